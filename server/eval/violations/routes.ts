import { Type } from 'typebox';
import { AgentId, CampaignId } from '../../../core/api/eval/common.js';
import { Violation, ViolationList } from '../../../core/api/eval/violations.js';
import { errorResponses } from '../../http/errors.js';
import type { EvalPlugin } from '../context.js';
import { BEARER } from '../shared/openapi.js';
import { listViolations } from './violation-repository.js';

/** `GET /v1/admin/violations`: no-eval attempts, budget overruns and probe flags (admin only). */
export const violationRoutes: EvalPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/admin/violations',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'List the violations and probe flags of a campaign, newest first',
        tags: ['admin'],
        security: BEARER,
        querystring: Type.Object(
          {
            campaignId: CampaignId,
            agentId: Type.Optional(AgentId),
            kind: Type.Optional(Violation.properties.kind),
          },
          { additionalProperties: false },
        ),
        response: { 200: ViolationList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ violations: await listViolations(ctx.pool, request.query) }),
  );
};
