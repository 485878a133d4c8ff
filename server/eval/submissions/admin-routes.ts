import { Type } from 'typebox';
import { AgentId, CampaignId, ExperimentId, SubmissionParams } from '../../../core/api/eval/common.js';
import { AdminSubmission, AdminSubmissionList } from '../../../core/api/eval/submissions.js';
import { AppError, errorResponses } from '../../http/errors.js';
import type { EvalPlugin } from '../context.js';
import { BEARER } from '../shared/openapi.js';
import { findAdminSubmission, listAdminSubmissions } from './submission-repository.js';

/**
 * Operator and orchestrator routes: the full public score of submissions (what the orchestrator
 * records as results), and the private-half score only when asked for explicitly.
 */
export const submissionAdminRoutes: EvalPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/admin/submissions/:submissionId',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Read a submission with its full public score (and its private score with include=private)',
        tags: ['admin'],
        security: BEARER,
        params: SubmissionParams,
        querystring: Type.Object(
          { include: Type.Optional(Type.Literal('private', { description: 'Add the private-half score.' })) },
          { additionalProperties: false },
        ),
        response: { 200: AdminSubmission, ...errorResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request) => {
      const found = await findAdminSubmission(
        ctx.pool,
        request.params.submissionId,
        request.query.include === 'private',
        ctx.intervals,
      );
      if (found === null)
        throw new AppError('submission_not_found', `no submission ${request.params.submissionId}`);
      return found;
    },
  );

  app.get(
    '/v1/admin/submissions',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'List submissions with their full public scores, newest first',
        tags: ['admin'],
        security: BEARER,
        querystring: Type.Object(
          {
            campaignId: Type.Optional(CampaignId),
            agentId: Type.Optional(AgentId),
            experimentId: Type.Optional(ExperimentId),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: AdminSubmissionList, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => ({
      submissions: await listAdminSubmissions(
        ctx.pool,
        request.query,
        request.query.limit ?? 100,
        ctx.intervals,
      ),
    }),
  );
};
