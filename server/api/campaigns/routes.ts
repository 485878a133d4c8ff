import { randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { Type } from 'typebox';
import {
  findCampaign,
  insertCampaign,
  insertCampaignEvent,
  listAgents,
  listCampaigns,
  recordLauncher,
} from '../../../activities/store/campaigns.js';
import { queuedExperimentsByAgent } from '../../../activities/store/experiments.js';
import { campaignLeaderboard } from '../../../activities/store/receipts.js';
import { CampaignList, CampaignParams, CampaignView, Started } from '../../../core/api/campaigns.js';
import { CampaignSpec, campaignSpecProblems, withAgentDefaults } from '../../../core/campaign-spec.js';
import { parseWith, ValidationError } from '../../../core/validation.js';
import { campaignWorkflowId } from '../../../workflows/definitions.js';
import { campaignWorkflow } from '../../../workflows/index.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { actorOf } from '../auth/identity.js';
import type { ApiPlugin } from '../context.js';
import { queryCampaign, queryResearcher, researcherIdOf } from './campaign-queries.js';

const slugOf = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 30) || 'campaign';

/** Starting (operator role), listing and reading (viewer role) campaigns. */
export const campaignRoutes: ApiPlugin = async (app, { ctx }) => {
  const temporalUrl = (workflowId: string) =>
    `${ctx.temporalUiUrl}/namespaces/${ctx.namespace}/workflows/${encodeURIComponent(workflowId)}`;

  app.post(
    '/v1/campaigns',
    {
      config: { access: 'operator' },
      schema: {
        summary: 'Start a campaign from a campaign spec',
        tags: ['campaigns'],
        body: Type.Unknown({ description: 'A CampaignSpec (apiVersion aar/v1).' }),
        response: { 201: Started, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      let spec: CampaignSpec;
      try {
        spec = withAgentDefaults(parseWith(CampaignSpec, request.body, 'campaign spec'));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new AppError('invalid_request', error.message, { details: [...error.issues] });
      }
      const problems = campaignSpecProblems(spec);
      if (problems.length > 0) {
        throw new AppError(
          'invalid_request',
          `campaign spec is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
          {
            details: problems,
          },
        );
      }
      const campaignId = spec.id ?? `${slugOf(spec.name)}-${randomBytes(3).toString('hex')}`;
      const workflowId = campaignWorkflowId(campaignId);
      if (await findCampaign(ctx.pool, campaignId)) {
        throw new AppError(
          'conflict',
          `campaign ${campaignId} exists: choose another id, or omit id to get a fresh one`,
        );
      }
      try {
        await ctx.temporal.workflow.start(campaignWorkflow, {
          workflowId,
          taskQueue: ctx.orchestratorQueue,
          args: [{ campaignId, spec }],
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) {
          throw new AppError('conflict', `campaign ${campaignId} is already running`);
        }
        throw error;
      }
      await insertCampaign(
        ctx.pool,
        { campaignId, name: spec.name, taskId: spec.task, spec: spec as unknown as Record<string, unknown> },
        workflowId,
      );
      await recordLauncher(ctx.pool, campaignId, actorOf(request));
      await insertCampaignEvent(ctx.pool, {
        campaignId,
        actor: actorOf(request),
        action: 'start',
        detail: { agents: spec.agents.length },
      });
      return reply.code(201).send({ campaignId, workflowId, temporalUrl: temporalUrl(workflowId) });
    },
  );

  app.get(
    '/v1/campaigns',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'List campaigns, newest first',
        tags: ['campaigns'],
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }),
        response: { 200: CampaignList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const rows = await listCampaigns(ctx.pool, request.query.limit);
      return {
        campaigns: rows.map((c) => ({
          id: c.id,
          name: c.name,
          taskId: c.taskId,
          status: c.status,
          agents: c.agents,
          experiments: c.experiments,
          bestPgr: c.bestPgr,
          createdAt: c.createdAt,
          finishedAt: c.finishedAt,
        })),
      };
    },
  );

  app.get(
    '/v1/campaigns/:campaignId',
    {
      config: { access: 'viewer' },
      schema: {
        summary: "A campaign with each agent's live state, budget use and summary",
        tags: ['campaigns'],
        params: CampaignParams,
        response: { 200: CampaignView, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const { campaignId } = request.params;
      const campaign = await findCampaign(ctx.pool, campaignId);
      if (campaign === null) throw new AppError('not_found', `no campaign ${campaignId}`);
      const live = await queryCampaign(ctx.temporal, campaignId);
      const agents = await listAgents(ctx.pool, campaignId);
      const board = new Map((await campaignLeaderboard(ctx.pool, campaignId)).map((r) => [r.agentId, r]));
      const queued = await queuedExperimentsByAgent(ctx.pool, campaignId);
      const views = await Promise.all(
        agents.map(async (agent) => {
          const workflowId = researcherIdOf(live, campaignId, agent.id);
          const status = ['completed', 'cancelled', 'failed'].includes(campaign.status)
            ? null
            : await queryResearcher(ctx.temporal, workflowId);
          const best = board.get(agent.id);
          return {
            id: agent.id,
            policy: agent.policy,
            direction: agent.direction,
            state: status?.state ?? agent.status,
            detail: status?.detail ?? agent.detail,
            currentHypothesis: status?.currentHypothesis ?? null,
            currentExperimentId: status?.currentExperimentId ?? null,
            experiments: {
              done: agent.done,
              running: agent.running,
              failed: agent.failed,
              queued: queued.get(agent.id) ?? 0,
            },
            best: best ? { pgr: best.pgrMean ?? best.reportedPgr, experimentId: best.experimentId } : null,
            gpuSeconds: status?.gpuSeconds ?? 0,
            workflowId,
            live: status !== null,
          };
        }),
      );
      return {
        id: campaign.id,
        name: campaign.name,
        taskId: campaign.taskId,
        status: campaign.status,
        createdAt: campaign.createdAt,
        finishedAt: campaign.finishedAt,
        workflowId: campaign.workflowId,
        temporalUrl: temporalUrl(campaign.workflowId),
        paused: live?.paused ?? campaign.status === 'paused',
        stopping: live?.stopping ?? null,
        budget: {
          limits:
            live?.budget ?? (campaign.spec as { budgets?: { campaign?: unknown } }).budgets?.campaign ?? null,
          perAgent: (campaign.spec as { budgets?: { perAgent?: unknown } }).budgets?.perAgent ?? null,
          experimentsGranted: live?.granted ?? agents.reduce((n, a) => n + a.done + a.running, 0),
          gpuHours: (live?.gpuSeconds ?? 0) / 3600,
          fractionUsed: live?.budgetFractionUsed ?? 0,
        },
        agents: views,
        summary: campaign.summary,
      };
    },
  );
};

/** Who acted: the authenticated identity's name (kept here for route files that import it from here). */
export { actorOf } from '../auth/identity.js';

/** Maps Temporal's not-found to a 404 with the campaign named. */
export function notRunning(error: unknown, what: string): never {
  if (error instanceof WorkflowNotFoundError) throw new AppError('not_found', `${what} is not running`);
  throw error;
}
