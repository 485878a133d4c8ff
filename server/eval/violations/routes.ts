import { Type } from 'typebox';
import { errorResponses } from '../../http/errors.js';
import type { EvalPlugin } from '../context.js';
import { AgentId, BEARER, CampaignId } from '../shared/schemas.js';
import { listViolations, Violation } from './violation-repository.js';

/** `GET /v1/admin/violations`: no-eval attempts, budget overruns and probe flags (admin only). */
export const violationRoutes: EvalPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/admin/violations',
    {
      onRequest: ctx.guards.admin,
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
        response: {
          200: Type.Object({ violations: Type.Array(Violation) }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => ({ violations: await listViolations(ctx.pool, request.query) }),
  );
};
