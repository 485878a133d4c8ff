import type { FastifyRequest } from 'fastify';
import { verifyRunToken } from '../../../runtime/run-token.js';
import { AppError } from '../../http/errors.js';
import { bearerOf } from './bearer.js';

/**
 * The `run` access level: a request must carry the upload token of the run in its `:runId`
 * (derived from `AAR_RUN_TOKEN_KEY`, runtime/run-token.ts), so a run reports only for itself.
 */
export function runTokenGuard(runTokenKey: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = bearerOf(request);
    const { runId } = request.params as { runId: string };
    if (token === null)
      throw new AppError('unauthorized', "missing bearer token: send the run's upload token");
    if (!verifyRunToken(runTokenKey, runId, token)) {
      throw new AppError('unauthorized', `the token is not the upload token of run ${runId}`);
    }
  };
}
