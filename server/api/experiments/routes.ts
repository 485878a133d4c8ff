import { Type } from 'typebox';
import { findExperiment, listExperiments } from '../../../activities/store/experiments.js';
import { campaignLeaderboard } from '../../../activities/store/receipts.js';
import { listRuns } from '../../../activities/store/runs.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { CampaignParams } from '../campaigns/schemas.js';
import type { ApiPlugin } from '../context.js';

const Experiment = Type.Object({
  id: Type.String(),
  campaignId: Type.String(),
  agentId: Type.String(),
  seq: Type.Integer(),
  hypothesis: Type.String(),
  spec: Type.Unknown(),
  seeds: Type.Array(Type.Integer()),
  noEval: Type.Boolean(),
  status: Type.String(),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  analysis: Type.Union([Type.String(), Type.Null()]),
  reportedPgr: Type.Union([Type.Number(), Type.Null()]),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});

const Run = Type.Object({
  id: Type.String(),
  seed: Type.Integer(),
  attempt: Type.Integer(),
  executor: Type.String(),
  externalId: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  failure: Type.Union([Type.Object({ kind: Type.String(), message: Type.String() }), Type.Null()]),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});

const LeaderboardRow = Type.Object({
  agentId: Type.String(),
  experimentId: Type.String(),
  reportedPgr: Type.Number(),
  pgrMean: Type.Union([Type.Number(), Type.Null()]),
  ciLow: Type.Union([Type.Number(), Type.Null()]),
  ciHigh: Type.Union([Type.Number(), Type.Null()]),
  experiments: Type.Integer(),
});

/** Experiments, their runs and the campaign leaderboard, as recorded (operator token). */
export const experimentRoutes: ApiPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/campaigns/:campaignId/experiments',
    {
      onRequest: ctx.guards.viewer,
      schema: {
        summary: 'Experiments of a campaign, oldest first',
        tags: ['experiments'],
        params: CampaignParams,
        querystring: Type.Object({
          agent: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' })),
          status: Type.Optional(Type.String({ pattern: '^[a-z]{1,20}$' })),
          limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }),
        }),
        response: {
          200: Type.Object({ experiments: Type.Array(Experiment) }),
          ...errorResponses(400, 401, 403),
        },
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
      onRequest: ctx.guards.viewer,
      schema: {
        summary: 'One experiment with its runs (one per seed and attempt)',
        tags: ['experiments'],
        params: Type.Object({ experimentId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,200}$' }) }),
        response: {
          200: Type.Object({ experiment: Experiment, runs: Type.Array(Run) }),
          ...errorResponses(401, 403, 404),
        },
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
      onRequest: ctx.guards.viewer,
      schema: {
        summary: 'Best public PGR per agent, with its 95 % interval and experiment',
        tags: ['experiments'],
        params: CampaignParams,
        response: {
          200: Type.Object({ leaderboard: Type.Array(LeaderboardRow) }),
          ...errorResponses(401, 403),
        },
      },
    },
    async (request) => ({ leaderboard: await campaignLeaderboard(ctx.pool, request.params.campaignId) }),
  );
};
