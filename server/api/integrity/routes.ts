import { Type } from 'typebox';
import { listFlags } from '../../../activities/store/integrity-flags.js';
import { errorResponses } from '../../http/errors.js';
import { CampaignParams } from '../campaigns/schemas.js';
import type { ApiPlugin } from '../context.js';

const Flag = Type.Object({
  id: Type.Integer(),
  campaignId: Type.String(),
  experimentId: Type.Union([Type.String(), Type.Null()]),
  agentId: Type.Union([Type.String(), Type.Null()]),
  kind: Type.String(),
  severity: Type.String(),
  message: Type.String(),
  detail: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String(),
});

/** Integrity flags of a campaign: shortcuts, discrepancies, eval probe flags and violations. */
export const integrityRoutes: ApiPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/campaigns/:campaignId/flags',
    {
      onRequest: ctx.guards.operator,
      schema: {
        summary: 'Integrity flags of a campaign, newest first',
        tags: ['integrity'],
        params: CampaignParams,
        querystring: Type.Object({
          experiment: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,200}$' })),
        }),
        response: { 200: Type.Object({ flags: Type.Array(Flag) }), ...errorResponses(400, 401) },
      },
    },
    async (request) => ({
      flags: await listFlags(ctx.pool, request.params.campaignId, request.query.experiment),
    }),
  );
};
