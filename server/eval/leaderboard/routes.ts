import { Type } from 'typebox';
import { CampaignId, TaskId } from '../../../core/api/eval/common.js';
import { AdminLeaderboard, PublicLeaderboard } from '../../../core/api/eval/leaderboard.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { principalOf } from '../auth/access.js';
import type { EvalPlugin } from '../context.js';
import { BEARER } from '../shared/openapi.js';
import { adminLeaderboard, publicLeaderboard } from './leaderboard-repository.js';

const Query = Type.Object({ campaignId: CampaignId, taskId: TaskId }, { additionalProperties: false });

/** The public leaderboard (Ladder values) and the admin one (exact public and private scores). */
export const leaderboardRoutes: EvalPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/leaderboard',
    {
      config: { access: 'agentOrAdmin' },
      schema: {
        summary: "Public leaderboard of a campaign's task: each agent's Ladder-reported best PGR",
        description:
          'Agents may read their own campaign only. Scores and intervals are rounded to the Ladder step.',
        tags: ['leaderboard'],
        security: BEARER,
        querystring: Query,
        response: { 200: PublicLeaderboard, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { campaignId, taskId } = request.query;
      if (principal.role === 'agent' && principal.campaignId !== campaignId) {
        throw new AppError(
          'forbidden',
          `you may read the leaderboard of your own campaign (${principal.campaignId}) only`,
        );
      }
      return {
        campaignId,
        taskId,
        step: ctx.settings.ladderStep,
        entries: await publicLeaderboard(ctx.pool, campaignId, taskId, ctx.intervals),
      };
    },
  );

  app.get(
    '/v1/admin/leaderboard',
    {
      config: { access: 'admin' },
      schema: {
        summary:
          "Admin leaderboard: each agent's best exact public score and that submission's private score",
        description: 'For the promotion gate. Never shown to agents.',
        tags: ['admin'],
        security: BEARER,
        querystring: Query,
        response: { 200: AdminLeaderboard, ...errorResponses(400, 401, 403, 503) },
      },
    },
    async (request) => {
      const { campaignId, taskId } = request.query;
      return {
        campaignId,
        taskId,
        entries: await adminLeaderboard(ctx.pool, campaignId, taskId, ctx.intervals),
      };
    },
  );
};
