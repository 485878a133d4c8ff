import { findCampaign } from '../../../activities/store/campaigns.js';
import { findExperiment, listExperiments } from '../../../activities/store/experiments.js';
import { experimentScores, pgrSeries } from '../../../activities/store/receipts.js';
import { listCampaignRuns, listResultSummaries } from '../../../activities/store/runs.js';
import { CampaignParams } from '../../../core/api/campaigns.js';
import { ExperimentParams } from '../../../core/api/experiments.js';
import { CampaignExport, ExperimentResults, PgrSeries } from '../../../core/api/results.js';
import { AppError, errorResponses } from '../../http/errors.js';
import type { ApiPlugin } from '../context.js';

/**
 * Read routes the dashboard and the CLI need beyond the campaign routes: PGR over time, an
 * experiment's per-seed results and training curves, and a campaign export. Predictions never
 * leave the database (the queries drop them).
 */
export const readRoutes: ApiPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/campaigns/:campaignId/pgr-series',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Every scored experiment of a campaign as a point of public PGR over time',
        tags: ['dashboard'],
        params: CampaignParams,
        response: { 200: PgrSeries, ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ points: await pgrSeries(ctx.pool, request.params.campaignId) }),
  );

  app.get(
    '/v1/experiments/:experimentId/results',
    {
      config: { access: 'viewer' },
      schema: {
        summary:
          "An experiment's public score per seed and each run's result: timings, failure, training curve",
        tags: ['dashboard'],
        params: ExperimentParams,
        response: { 200: ExperimentResults, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { experimentId } = request.params;
      if ((await findExperiment(ctx.pool, experimentId)) === null)
        throw new AppError('not_found', `no experiment ${experimentId}`);
      const scores = await experimentScores(ctx.pool, [experimentId]);
      return {
        score: scores.get(experimentId) ?? null,
        results: await listResultSummaries(ctx.pool, [experimentId]),
      };
    },
  );

  app.get(
    '/v1/campaigns/:campaignId/export',
    {
      config: { access: 'viewer' },
      schema: {
        summary: "Everything recorded about a campaign's experiments and runs, for CSV or JSON export",
        tags: ['dashboard'],
        params: CampaignParams,
        response: { 200: CampaignExport, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { campaignId } = request.params;
      const campaign = await findCampaign(ctx.pool, campaignId);
      if (campaign === null) throw new AppError('not_found', `no campaign ${campaignId}`);
      const experiments = await listExperiments(ctx.pool, campaignId);
      const ids = experiments.map((e) => e.id);
      const scores = await experimentScores(ctx.pool, ids);
      const results = new Map((await listResultSummaries(ctx.pool, ids)).map((r) => [r.runId, r]));
      const runs = await listCampaignRuns(ctx.pool, campaignId);
      return {
        campaign: {
          id: campaign.id,
          name: campaign.name,
          taskId: campaign.taskId,
          status: campaign.status,
          createdAt: campaign.createdAt,
          finishedAt: campaign.finishedAt,
        },
        experiments: experiments.map((e) => ({
          id: e.id,
          agentId: e.agentId,
          seq: e.seq,
          status: e.status,
          hypothesis: e.hypothesis,
          seeds: e.seeds,
          noEval: e.noEval,
          failureReason: e.failureReason,
          spec: e.spec,
          createdAt: e.createdAt,
          finishedAt: e.finishedAt,
          score: scores.get(e.id) ?? null,
        })),
        runs: runs.map((r) => {
          const result = results.get(r.id);
          const seedScore = scores.get(r.experimentId)?.perSeed.find((s) => s.seed === r.seed);
          return {
            runId: r.id,
            experimentId: r.experimentId,
            seed: r.seed,
            attempt: r.attempt,
            executor: r.executor,
            status: r.status,
            failureKind: r.failure?.kind ?? null,
            failureMessage: r.failure?.message ?? null,
            wallSeconds: result?.wallSeconds ?? null,
            stoppedEpoch: result?.stoppedEpoch ?? null,
            device: result?.device ?? null,
            publicAccuracy: result?.status === 'succeeded' ? (seedScore?.accuracy ?? null) : null,
            publicPgr: result?.status === 'succeeded' ? (seedScore?.pgr ?? null) : null,
            createdAt: r.createdAt,
            finishedAt: r.finishedAt,
          };
        }),
      };
    },
  );
};
