import swagger from '@fastify/swagger';
import type { Registry } from 'prom-client';
import type { Pool } from '../../runtime/db.js';
import type { Logger } from '../../runtime/logger.js';
import { type App, createBaseApp, type HttpOptions } from '../http/base-app.js';
import { DEFAULT_MAX_JSON_DEPTH } from '../http/json-depth.js';
import { type AuditVerifier, startAuditVerifier } from './audit/audit-gauges.js';
import { createAuditHook } from './audit/audit-hook.js';
import { auditRoutes } from './audit/routes.js';
import { createGuards } from './auth/access.js';
import { comparisonRoutes } from './comparisons/routes.js';
import type { EvalContext } from './context.js';
import { experimentRoutes } from './experiments/routes.js';
import { leaderboardRoutes } from './leaderboard/routes.js';
import { createEvalMetrics, submissionOutcome } from './metrics.js';
import { DeferredIntervals } from './scoring/deferred-intervals.js';
import { Scoring } from './scoring/scoring.js';
import type { EvalSettings } from './settings.js';
import { submissionAdminRoutes } from './submissions/admin-routes.js';
import { submissionRoutes } from './submissions/routes.js';
import { taskAdminRoutes } from './tasks/admin-routes.js';
import { taskRoutes } from './tasks/routes.js';
import { ScoringKeyCache } from './tasks/scoring-key-cache.js';
import { tokenRoutes } from './tokens/routes.js';
import { violationRoutes } from './violations/routes.js';

/** What the composition root hands the eval app. */
export interface EvalAppDeps {
  /** The pool of the eval database (the only database that holds labels). */
  readonly pool: Pool;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly settings: EvalSettings;
  /** Proxy trust, JSON depth, the `/metrics` token and the refusal limit (defaults when absent). */
  readonly http?: HttpOptions;
  /** The scoring worker threads (default: one per core, and one for deferred intervals); closed with the app. */
  readonly scoring?: Scoring;
}

/**
 * The eval server as a Fastify app, apart from its entry point: `/healthz`, `/metrics`,
 * `/openapi.json`, and the `/v1` routes, each of which declares its access (`config.access`: the
 * guard of `createGuards`) and is appended to the hash-chained audit log when it answers.
 */
export function buildEvalApp(deps: EvalAppDeps): App {
  const app = createBaseApp({
    ...deps.http,
    logger: deps.logger,
    registry: deps.registry,
    bodyLimit: deps.settings.submissionBodyLimit,
    guards: createGuards({ db: deps.pool, adminToken: deps.settings.adminToken }),
  });
  app.decorateRequest('evalPrincipal', null);
  app.decorateRequest('evalAudit', null);
  app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'AAR eval server',
        version: '1',
        description:
          'Scores weak-to-strong submissions by PGR against test labels that never leave this server. Errors are JSON {error: {code, message, details?}} with stable codes.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  const metrics = createEvalMetrics(deps.registry);
  const scoringKeys = new ScoringKeyCache(deps.pool);
  const scoring = deps.scoring ?? Scoring.create({ logger: deps.logger });
  const intervals = new DeferredIntervals({
    pool: deps.pool,
    scoring,
    scoringKeys,
    logger: deps.logger,
    metrics,
  });
  const ctx: EvalContext = {
    pool: deps.pool,
    logger: deps.logger,
    settings: deps.settings,
    metrics,
    scoringKeys,
    scoring,
    intervals,
    maxJsonDepth: deps.http?.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH,
  };
  // Intervals left pending by a process that stopped before storing them are computed now.
  app.addHook('onReady', async () => intervals.start());
  app.addHook('onClose', async () => {
    await intervals.close();
    await scoring.close();
  });
  if (deps.settings.auditVerifyIntervalMs > 0) {
    let verifier: AuditVerifier | undefined;
    app.addHook('onReady', async () => {
      verifier = startAuditVerifier({
        pool: deps.pool,
        logger: deps.logger,
        registry: deps.registry,
        intervalMs: deps.settings.auditVerifyIntervalMs,
      });
    });
    app.addHook('onClose', async () => verifier?.stop());
  }
  app.register(async (v1) => {
    v1.addHook(
      'onSend',
      createAuditHook({
        pool: deps.pool,
        logger: deps.logger,
        metrics,
        onAnswered: (request, status, code) => {
          if (request.method === 'POST' && request.routeOptions.url === '/v1/submissions')
            metrics.submissions.inc({ outcome: submissionOutcome(status, code) });
        },
      }),
    );
    for (const routes of [
      taskAdminRoutes,
      taskRoutes,
      tokenRoutes,
      experimentRoutes,
      submissionRoutes,
      submissionAdminRoutes,
      leaderboardRoutes,
      violationRoutes,
      auditRoutes,
      comparisonRoutes,
    ]) {
      await v1.register(routes, { ctx });
    }
  });
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
  return app;
}
