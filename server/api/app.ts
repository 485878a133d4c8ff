import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';
import type { Pool } from '../../runtime/db.js';
import type { Logger } from '../../runtime/logger.js';
import { type App, createBaseApp, type HttpOptions } from '../http/base-app.js';
import { createRoleGuards, createTokenAuthenticator } from './auth/guards.js';
import { runTokenGuard } from './auth/run-token-guard.js';
import { controlRoutes } from './campaigns/control-routes.js';
import { campaignRoutes } from './campaigns/routes.js';
import type { ApiContext } from './context.js';
import { dashboardRoutes } from './dashboard/index.js';
import { registerRecordMetrics } from './dashboard/record-metrics.js';
import { experimentRoutes } from './experiments/routes.js';
import { forumRoutes } from './forum/routes.js';
import { integrityRoutes } from './integrity/routes.js';
import { operatorRoutes } from './operators/routes.js';
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
  /** `AAR_OPERATOR_TOKEN`: authenticates as the admin identity `operator-token`. */
  readonly operatorToken: string;
  /** `AAR_TRUST_PROXY`: trust X-Forwarded-* (TLS behind a proxy makes the session cookie Secure). */
  readonly trustProxy?: boolean | string;
  readonly runTokenKey: string;
  /** The local executor's runs folder, when this process can read it (run logs); omit otherwise. */
  readonly runsDir?: string;
  /** JSON depth, the `/metrics` token and the refusal limit (server/http defaults when absent). */
  readonly http?: Omit<HttpOptions, 'trustProxy'>;
}

/**
 * The api server as a Fastify app, apart from its entry point: campaigns (start, read, control),
 * experiments and leaderboard, the forum, promotions and integrity flags, operator identities,
 * and the results upload route trainers call.
 */
export function buildApiApp(deps: ApiAppDeps): App {
  const authenticate = createTokenAuthenticator(deps.pool, deps.operatorToken);
  const app = createBaseApp({
    ...deps.http,
    logger: deps.logger,
    registry: deps.registry,
    bodyLimit: 1024 * 1024,
    trustProxy: deps.trustProxy ?? false,
    // Each route's `config.access` picks one: an operator role, or a run's upload token.
    guards: { ...createRoleGuards(deps.pool, authenticate), run: runTokenGuard(deps.runTokenKey) },
  });
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
  const ctx: ApiContext = {
    pool: deps.pool,
    logger: deps.logger,
    temporal: deps.temporal,
    orchestratorQueue: deps.orchestratorQueue,
    namespace: deps.namespace,
    temporalUiUrl: deps.temporalUiUrl,
    dashboard: {
      authenticate,
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
    operatorRoutes,
  ]) {
    app.register(routes, { ctx });
  }
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  return app;
}
