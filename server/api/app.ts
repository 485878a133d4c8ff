import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';
import type { Pool } from '../../runtime/db.js';
import type { Logger } from '../../runtime/logger.js';
import { type App, createBaseApp } from '../http/base-app.js';
import { controlRoutes } from './campaigns/control-routes.js';
import { campaignRoutes } from './campaigns/routes.js';
import type { ApiContext } from './context.js';
import { dashboardRoutes } from './dashboard/index.js';
import { registerRecordMetrics } from './dashboard/record-metrics.js';
import { createSessionCodec, isOperatorToken, operatorGuard } from './dashboard/session.js';
import { experimentRoutes } from './experiments/routes.js';
import { forumRoutes } from './forum/routes.js';
import { integrityRoutes } from './integrity/routes.js';
import { promotionRoutes } from './promotions/routes.js';
import { reportRoutes } from './report/routes.js';
import { resultRoutes } from './results/routes.js';

export interface ApiAppDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly temporal: Client;
  readonly orchestratorQueue: string;
  readonly namespace: string;
  readonly temporalUiUrl: string;
  readonly operatorToken: string;
  readonly runTokenKey: string;
  /** The local executor's runs folder, when this process can read it (run logs); omit otherwise. */
  readonly runsDir?: string;
}

/**
 * The api server as a Fastify app, apart from its entry point: campaigns (start, read, control),
 * experiments and leaderboard, the forum, and the results upload route trainers call.
 */
export function buildApiApp(deps: ApiAppDeps): App {
  const app = createBaseApp({ logger: deps.logger, registry: deps.registry, bodyLimit: 1024 * 1024 });
  app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'AAR api server',
        version: '1',
        description:
          'Campaigns, experiments, forum and result uploads. Errors are JSON {error: {code, message, details?}}.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  const session = createSessionCodec(deps.operatorToken);
  const ctx: ApiContext = {
    pool: deps.pool,
    logger: deps.logger,
    temporal: deps.temporal,
    orchestratorQueue: deps.orchestratorQueue,
    namespace: deps.namespace,
    temporalUiUrl: deps.temporalUiUrl,
    guards: { operator: operatorGuard(deps.operatorToken, session) },
    runTokenKey: deps.runTokenKey,
    dashboard: {
      session,
      isOperatorToken: (token) => isOperatorToken(token, deps.operatorToken),
      runsDir: deps.runsDir ?? null,
    },
  };
  registerRecordMetrics(deps.registry, deps.pool);
  for (const routes of [
    resultRoutes,
    campaignRoutes,
    controlRoutes,
    experimentRoutes,
    forumRoutes,
    dashboardRoutes,
    promotionRoutes,
    integrityRoutes,
    reportRoutes,
  ]) {
    app.register(routes, { ctx });
  }
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app;
}
