import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { markRunStarted, storeResult } from '../../../activities/store/runs.js';
import { ResultBundle } from '../../../core/result-bundle.js';
import { verifyRunToken } from '../../../runtime/run-token.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { bearerOf } from '../auth/bearer.js';
import type { ApiPlugin } from '../context.js';

/** Largest result bundle accepted (64 MiB: ~20,000 test examples × 100 classes of JSON numbers). */
export const RESULT_BODY_LIMIT = 64 * 1024 * 1024;

const RunParams = Type.Object({ runId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,200}$' }) });
const Stored = Type.Object({
  runId: Type.String(),
  outcome: Type.Union([Type.Literal('stored'), Type.Literal('duplicate')]),
});

/**
 * Where trainers upload their result bundle, with the run's own token. Stored once: the same
 * bundle again answers 200 (a retried upload), a different one 409. The workflow reads it from
 * the database when the executor reports the run ended, so a dead worker loses nothing.
 */
export const resultRoutes: ApiPlugin = async (app, { ctx }) => {
  const runTokenGuard = async (request: FastifyRequest) => {
    const token = bearerOf(request);
    const { runId } = request.params as { runId: string };
    if (token === null)
      throw new AppError('unauthorized', "missing bearer token: send the run's upload token");
    if (!verifyRunToken(ctx.runTokenKey, runId, token)) {
      throw new AppError('unauthorized', `the token is not the upload token of run ${runId}`);
    }
  };

  app.post(
    '/v1/runs/:runId/started',
    {
      onRequest: runTokenGuard,
      schema: {
        summary: "Record that a run's process or Job started (run token; sent by the executor)",
        tags: ['runs'],
        params: RunParams,
        body: Type.Object(
          { externalId: Type.String({ minLength: 1, maxLength: 200 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ runId: Type.String() }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const found = await markRunStarted(ctx.pool, request.params.runId, request.body.externalId);
      if (!found) throw new AppError('not_found', `no run ${request.params.runId} is recorded`);
      return { runId: request.params.runId };
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
        response: { 200: Stored, 201: Stored, ...errorResponses(400, 401, 404, 409, 413) },
      },
      onRequest: runTokenGuard,
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
      request.log.info(
        { runId: request.params.runId, status: request.body.status, outcome },
        'result received',
      );
      return reply.code(outcome === 'stored' ? 201 : 200).send({ runId: request.params.runId, outcome });
    },
  );
};
