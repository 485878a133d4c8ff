import { Type } from 'typebox';
import { clearFlag, listFlags } from '../../../activities/store/integrity-flags.js';
import { CampaignParams } from '../../../core/api/campaigns.js';
import { FlagCleared, FlagList } from '../../../core/api/integrity.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { actorOf } from '../auth/identity.js';
import type { ApiPlugin } from '../context.js';

const FlagParams = Type.Object({ flagId: Type.String({ pattern: '^[1-9][0-9]{0,17}$' }) });

/**
 * Integrity flags of a campaign: shortcuts, discrepancies, eval probe flags and violations (viewer
 * role), and clearing one with a reason (approver role): an open critical flag holds its
 * experiment back from promotion.
 */
export const integrityRoutes: ApiPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/campaigns/:campaignId/flags',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Integrity flags of a campaign, newest first',
        tags: ['integrity'],
        params: CampaignParams,
        querystring: Type.Object({
          experiment: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,200}$' })),
        }),
        response: { 200: FlagList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      flags: await listFlags(ctx.pool, request.params.campaignId, request.query.experiment),
    }),
  );

  app.post(
    '/v1/flags/:flagId/clear',
    {
      config: { access: 'approver' },
      schema: {
        summary: 'Clear an integrity flag, as the authenticated approver, with a reason (kept in the record)',
        tags: ['integrity'],
        params: FlagParams,
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }) },
          { additionalProperties: false },
        ),
        response: { 200: FlagCleared, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { flagId } = request.params;
      const clearedBy = actorOf(request);
      const answer = await clearFlag(ctx.pool, { flagId, clearedBy, reason: request.body.reason });
      if (answer === 'not_found') throw new AppError('not_found', `no integrity flag ${flagId}`);
      if (answer === 'already_cleared')
        throw new AppError('conflict', `integrity flag ${flagId} is already cleared`);
      return { flagId, cleared: true as const, clearedBy };
    },
  );
};
