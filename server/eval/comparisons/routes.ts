import { MAX_SEEDS } from '../../../core/api/eval/common.js';
import { ComparisonRequest, ComparisonResult } from '../../../core/api/eval/comparisons.js';
import { AppError, errorResponses } from '../../http/errors.js';
import type { EvalPlugin } from '../context.js';
import { BEARER } from '../shared/openapi.js';
import { predictionProblems } from '../submissions/validate-predictions.js';
import { isExpired } from '../tasks/task-repository.js';
import { compareArms, comparisonProblems } from './compare.js';

/**
 * `POST /v1/admin/comparisons`: the promotion gate's scoring. Compares a candidate method with
 * other arms run on the same fresh seeds, on the private half (or a held-out task), by a paired
 * bootstrap computed here, next to the labels. Admin only; it is audited, never counted against an
 * agent's budget, and never touches an agent's Ladder.
 */
export const comparisonRoutes: EvalPlugin = async (app, { ctx }) => {
  app.post(
    '/v1/admin/comparisons',
    {
      config: { access: 'admin' },
      bodyLimit: ctx.settings.taskBodyLimit,
      schema: {
        summary: 'Compare a candidate with other arms on the same seeds (paired bootstrap); promotion only',
        tags: ['admin'],
        security: BEARER,
        body: ComparisonRequest,
        response: { 200: ComparisonResult, ...errorResponses(400, 401, 403, 404, 410, 413) },
      },
    },
    async (request) => {
      const key = await ctx.scoringKeys.get(request.body.taskId);
      if (key === null)
        throw new AppError(
          'task_not_found',
          `no task ${request.body.taskId}: load it before comparing on it`,
        );
      if (isExpired(key))
        throw new AppError('task_expired', `task ${key.taskId} expired at ${key.expiresAt}`);
      const problems = comparisonProblems(request.body);
      for (const [name, arm] of Object.entries(request.body.arms)) {
        for (const p of predictionProblems(arm.seeds, {
          testSize: key.testSize,
          numClasses: key.numClasses,
          maxSeeds: MAX_SEEDS,
        })) {
          problems.push({ path: `/arms/${name}${p.path}`, message: p.message });
        }
      }
      if (problems.length > 0) {
        throw new AppError(
          'invalid_predictions',
          `the comparison is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
          {
            details: problems.slice(0, 10),
          },
        );
      }
      return compareArms(request.body, key);
    },
  );
};
