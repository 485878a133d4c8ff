import { Type } from 'typebox';
import { markRunStarted, storeResult } from '../../../activities/store/runs.js';
import { ResultStored, RunStarted } from '../../../core/api/runs.js';
import { ResultBundle } from '../../../core/result-bundle.js';
import { AppError, errorResponses } from '../../http/errors.js';
import type { ApiPlugin } from '../context.js';

/** Largest result bundle accepted (64 MiB: ~20,000 test examples × 100 classes of JSON numbers). */
export const RESULT_BODY_LIMIT = 64 * 1024 * 1024;

const RunParams = Type.Object({ runId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,200}$' }) });

/** A DNS-1123 label: a Kubernetes namespace or (as `jobNameFor` makes them) a Job name. */
const DNS_LABEL = '[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?';
/**
 * What the executors report a run started as: the local executor's `pid:<pid>`, the k8s
 * executor's `job:<namespace>/<job>`. Strict, because it is echoed into commands operators paste
 * (`kubectl logs job/...`): no spaces, quotes or shell metacharacters can pass.
 */
export const EXTERNAL_ID_PATTERN = `^(pid:[0-9]{1,10}|job:${DNS_LABEL}/${DNS_LABEL})$`;

/**
 * Where trainers upload their result bundle, with the run's own token. Stored once: the same
 * bundle again answers 200 (a retried upload), a different one 409, and so does any result for a
 * run that already ended without one. `started` is reported once per run attempt. The workflow reads it from
 * the database when the executor reports the run ended, so a dead worker loses nothing.
 */
export const resultRoutes: ApiPlugin = async (app, { ctx }) => {
  app.post(
    '/v1/runs/:runId/started',
    {
      config: { access: 'run' },
      schema: {
        summary: "Record that a run's process or Job started (run token; sent by the executor)",
        tags: ['runs'],
        params: RunParams,
        body: Type.Object(
          { externalId: Type.String({ pattern: EXTERNAL_ID_PATTERN, maxLength: 132 }) },
          { additionalProperties: false },
        ),
        response: { 200: RunStarted, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request) => {
      const { runId } = request.params;
      const outcome = await markRunStarted(ctx.pool, runId, request.body.externalId);
      if (outcome === 'unknown_run') throw new AppError('not_found', `no run ${runId} is recorded`);
      if (outcome === 'conflict')
        throw new AppError(
          'conflict',
          `run ${runId} already started as another process or Job; an attempt starts once`,
        );
      return { runId };
    },
  );

  app.post(
    '/v1/runs/:runId/result',
    {
      // Probabilities for every test example and class, per run: far larger than other bodies.
      bodyLimit: RESULT_BODY_LIMIT,
      schema: {
        summary: "Upload a trainer run's result bundle (run token)",
        tags: ['runs'],
        params: RunParams,
        body: ResultBundle,
        response: { 200: ResultStored, 201: ResultStored, ...errorResponses(400, 401, 404, 409, 413) },
      },
      config: { access: 'run' },
    },
    async (request, reply) => {
      const outcome = await storeResult(ctx.pool, request.params.runId, request.body);
      if (outcome === 'unknown_run')
        throw new AppError('not_found', `no run ${request.params.runId} is recorded`);
      if (outcome === 'conflict') {
        throw new AppError(
          'conflict',
          `run ${request.params.runId} already has a different result; results are immutable`,
        );
      }
      if (outcome === 'run_ended')
        throw new AppError(
          'conflict',
          `run ${request.params.runId} already ended without a result; a late result is not stored`,
        );
      request.log.info(
        { runId: request.params.runId, status: request.body.status, outcome },
        'result received',
      );
      return reply.code(outcome === 'stored' ? 201 : 200).send({ runId: request.params.runId, outcome });
    },
  );
};
