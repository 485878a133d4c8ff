import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { Type } from 'typebox';
import { findCampaign, insertCampaignEvent } from '../../../activities/store/campaigns.js';
import { insertExperiment, listExperiments } from '../../../activities/store/experiments.js';
import { AgentParams, CampaignParams } from '../../../core/api/campaigns.js';
import { ResetAnswer, RetryAnswer } from '../../../core/api/dashboard.js';
import type { CampaignSpec } from '../../../core/campaign-spec.js';
import type { ExperimentSpec } from '../../../core/experiment-spec.js';
import { campaignWorkflowId, experimentWorkflowId } from '../../../workflows/definitions.js';
import { experimentWorkflow } from '../../../workflows/index.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { actorOf } from '../auth/identity.js';
import { queryCampaign, researcherIdOf } from '../campaigns/campaign-queries.js';
import type { ApiContext, ApiPlugin } from '../context.js';
import { findResetPoint, type HistoryEvent, isCompletedTask } from './reset-point.js';
import { planRetries } from './retry-plan.js';

const RetryRequest = Type.Object(
  {
    agentId: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' })),
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const ResetRequest = Type.Object(
  {
    eventId: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'A WorkflowTaskCompleted event to reset to, instead of the last good point.',
      }),
    ),
    dryRun: Type.Optional(Type.Boolean()),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);

type ResetBody = { eventId?: number; dryRun?: boolean; reason?: string };

/** Resets `workflowId` (its current run) to the last good point before its first failure. */
async function resetWorkflow(ctx: ApiContext, workflowId: string, body: ResetBody, actor: string) {
  const description = await ctx.temporal.workflow
    .getHandle(workflowId)
    .describe()
    .catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError)
        throw new AppError('not_found', `no workflow ${workflowId}`);
      throw error;
    });
  const history = await ctx.temporal.workflow.getHandle(workflowId, description.runId).fetchHistory();
  const events = (history.events ?? []) as unknown as HistoryEvent[];
  let point: { eventId: number; failure: { eventId: number; kind: string; message: string } | null };
  if (body.eventId !== undefined) {
    if (!isCompletedTask(events, body.eventId))
      throw new AppError(
        'invalid_request',
        `event ${body.eventId} is not a WorkflowTaskCompleted event of ${workflowId} (run ${description.runId})`,
      );
    point = { eventId: body.eventId, failure: null };
  } else {
    const found = findResetPoint(events);
    if (found === null)
      throw new AppError(
        'reset_point_not_found',
        `${workflowId} has no failure in the history of its current run, so there is no last good point to go back to; pass an eventId (a WorkflowTaskCompleted event) to reset to a point of your choice`,
      );
    point = found;
  }
  const temporalUrl = `${ctx.temporalUiUrl}/namespaces/${ctx.namespace}/workflows/${encodeURIComponent(workflowId)}`;
  const answer = {
    workflowId,
    runId: description.runId,
    eventId: point.eventId,
    failure: point.failure,
    temporalUrl,
  };
  if (body.dryRun === true) return { ...answer, newRunId: null };
  const reason =
    body.reason ??
    `reset by ${actor} to event ${point.eventId}${point.failure ? `, before: ${point.failure.kind}` : ''}`;
  const { runId: newRunId } = await ctx.temporal.workflowService.resetWorkflowExecution({
    namespace: ctx.namespace,
    workflowExecution: { workflowId, runId: description.runId },
    reason,
    // An int64 field: protobufjs encodes a plain number.
    workflowTaskFinishEventId: point.eventId as never,
    requestId: randomUUID(),
  });
  return { ...answer, newRunId };
}

/**
 * Repairs an operator makes without opening the Temporal UI: re-running the failed experiments of
 * a campaign, and resetting a researcher (or the campaign workflow) to the last good point of its
 * history through Temporal's reset.
 */
export const repairRoutes: ApiPlugin = async (app, { ctx }) => {
  app.post(
    '/v1/campaigns/:campaignId/retry-failed',
    {
      config: { access: 'operator' },
      schema: {
        summary: 'Re-run the failed experiments of a campaign, each as a new experiment <id>-retry<n>',
        description:
          'Only experiments whose latest attempt has status failed. Each retry is a fresh experiment workflow with fresh run ids; it is recorded in the action log and counts against the eval budget like any submission, but outside the campaign budget.',
        tags: ['control'],
        params: CampaignParams,
        body: Type.Optional(RetryRequest),
        response: { 202: RetryAnswer, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { campaignId } = request.params;
      const campaign = await findCampaign(ctx.pool, campaignId);
      if (campaign === null) throw new AppError('not_found', `no campaign ${campaignId}`);
      const spec = campaign.spec as CampaignSpec;
      const plan = planRetries(await listExperiments(ctx.pool, campaignId), {
        ...(request.body?.agentId ? { agentId: request.body.agentId } : {}),
      });
      const dryRun = request.body?.dryRun === true;
      const retried = [];
      for (const retry of plan.retries) {
        const workflowId = experimentWorkflowId(retry.retryId);
        const entry = {
          experimentId: retry.latest.id,
          retryId: retry.retryId,
          agentId: retry.original.agentId,
          workflowId,
          started: !dryRun,
        };
        if (dryRun) {
          retried.push(entry);
          continue;
        }
        await insertExperiment(ctx.pool, {
          id: retry.retryId,
          campaignId,
          agentId: retry.original.agentId,
          seq: retry.seq,
          hypothesis: `[retry ${retry.attempt} of ${retry.original.id}] ${retry.original.hypothesis}`,
          spec: retry.latest.spec,
          seeds: retry.latest.seeds,
          noEval: retry.latest.noEval,
        });
        try {
          await ctx.temporal.workflow.start(experimentWorkflow, {
            workflowId,
            taskQueue: ctx.orchestratorQueue,
            args: [
              {
                experimentId: retry.retryId,
                campaignId,
                agentId: retry.original.agentId,
                taskId: campaign.taskId,
                spec: retry.latest.spec as ExperimentSpec,
                seeds: retry.latest.seeds,
                noEval: retry.latest.noEval,
                executor: spec.executor ?? 'local',
                maxRunAttempts: spec.maxRunAttempts ?? 3,
              },
            ],
          });
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          entry.started = false;
        }
        await insertCampaignEvent(ctx.pool, {
          campaignId,
          agentId: retry.original.agentId,
          actor: actorOf(request),
          action: 'retry_failed',
          detail: { experimentId: retry.latest.id, retryId: retry.retryId, workflowId },
        });
        retried.push(entry);
      }
      return reply.code(202).send({ dryRun, retried, refused: plan.refused });
    },
  );

  app.post(
    '/v1/campaigns/:campaignId/reset',
    {
      config: { access: 'operator' },
      schema: {
        summary:
          'Reset the campaign workflow to the last good point before its first failure (Temporal reset)',
        tags: ['control'],
        params: CampaignParams,
        body: Type.Optional(ResetRequest),
        response: { 202: ResetAnswer, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { campaignId } = request.params;
      if ((await findCampaign(ctx.pool, campaignId)) === null)
        throw new AppError('not_found', `no campaign ${campaignId}`);
      const actor = actorOf(request);
      const answer = await resetWorkflow(ctx, campaignWorkflowId(campaignId), request.body ?? {}, actor);
      if (answer.newRunId !== null)
        await insertCampaignEvent(ctx.pool, { campaignId, actor, action: 'reset', detail: answer });
      return reply.code(202).send(answer);
    },
  );

  app.post(
    '/v1/campaigns/:campaignId/agents/:agentId/reset',
    {
      config: { access: 'operator' },
      schema: {
        summary:
          "Reset an agent's researcher to the last good point before its first failure (Temporal reset)",
        tags: ['control'],
        params: AgentParams,
        body: Type.Optional(ResetRequest),
        response: { 202: ResetAnswer, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { campaignId, agentId } = request.params;
      if ((await findCampaign(ctx.pool, campaignId)) === null)
        throw new AppError('not_found', `no campaign ${campaignId}`);
      const live = await queryCampaign(ctx.temporal, campaignId);
      if (live && !live.agents.some((a) => a.agentId === agentId))
        throw new AppError('not_found', `campaign ${campaignId} has no agent ${agentId}`);
      const actor = actorOf(request);
      const workflowId = researcherIdOf(live, campaignId, agentId);
      const answer = await resetWorkflow(ctx, workflowId, request.body ?? {}, actor);
      if (answer.newRunId !== null)
        await insertCampaignEvent(ctx.pool, { campaignId, agentId, actor, action: 'reset', detail: answer });
      return reply.code(202).send(answer);
    },
  );
};
