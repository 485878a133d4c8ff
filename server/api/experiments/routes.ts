import { Type } from 'typebox';
import { findExperiment, listExperiments } from '../../../activities/store/experiments.js';
import { campaignLeaderboard } from '../../../activities/store/receipts.js';
import { listRuns } from '../../../activities/store/runs.js';
import { CampaignParams } from '../../../core/api/campaigns.js';
import {
  ExperimentList,
  ExperimentParams,
  ExperimentWithRuns,
  Leaderboard,
} from '../../../core/api/experiments.js';
import { AppError, errorResponses } from '../../http/errors.js';
import type { ApiPlugin } from '../context.js';

/** Experiments, their runs and the campaign leaderboard, as recorded (operator token). */
export const experimentRoutes: ApiPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/campaigns/:campaignId/experiments',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Experiments of a campaign, oldest first',
        tags: ['experiments'],
        params: CampaignParams,
        querystring: Type.Object({
          agent: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' })),
          status: Type.Optional(Type.String({ pattern: '^[a-z]{1,20}$' })),
          limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
        }),
        response: { 200: ExperimentList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      experiments: await listExperiments(ctx.pool, request.params.campaignId, {
        ...(request.query.agent ? { agentId: request.query.agent } : {}),
        ...(request.query.status ? { status: request.query.status } : {}),
        limit: request.query.limit,
      }),
    }),
  );

  app.get(
    '/v1/experiments/:experimentId',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'One experiment with its runs (one per seed and attempt)',
        tags: ['experiments'],
        params: ExperimentParams,
        response: { 200: ExperimentWithRuns, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const experiment = await findExperiment(ctx.pool, request.params.experimentId);
      if (experiment === null)
        throw new AppError('not_found', `no experiment ${request.params.experimentId}`);
      return { experiment, runs: await listRuns(ctx.pool, experiment.id) };
    },
  );

  app.get(
    '/v1/campaigns/:campaignId/leaderboard',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Best public PGR per agent, with its 95 % interval and experiment',
        tags: ['experiments'],
        params: CampaignParams,
        response: { 200: Leaderboard, ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ leaderboard: await campaignLeaderboard(ctx.pool, request.params.campaignId) }),
  );
};
