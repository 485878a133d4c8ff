import type { ApiPlugin } from '../context.js';
import { eventsRoute } from './events-route.js';
import { logsRoute } from './logs-route.js';
import { readRoutes } from './read-routes.js';
import { repairRoutes } from './repair-routes.js';
import { sessionRoutes } from './session-routes.js';
import { staticRoutes } from './static-routes.js';

/**
 * The operator surface beyond the campaign routes: the dashboard (static files, login, live
 * events), the read routes it and the CLI need, and the repair actions (retry-failed, reset).
 */
export const dashboardRoutes: ApiPlugin = async (app, { ctx }) => {
  for (const routes of [sessionRoutes, staticRoutes, eventsRoute, readRoutes, logsRoute, repairRoutes]) {
    app.register(routes, { ctx });
  }
};
