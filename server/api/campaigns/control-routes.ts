import { Type } from 'typebox';
import { findCampaign, insertCampaignEvent } from '../../../activities/store/campaigns.js';
import { Accepted, AgentParams, CampaignParams } from '../../../core/api/campaigns.js';
import { BudgetLimits } from '../../../core/campaign-spec.js';
import {
  campaignWorkflowId,
  operatorMessageSignal,
  pauseSignal,
  resumeSignal,
  setBudgetSignal,
  stopSignal,
} from '../../../workflows/definitions.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { actorOf } from '../auth/identity.js';
import type { ApiContext, ApiPlugin } from '../context.js';
import { queryCampaign, researcherIdOf } from './campaign-queries.js';
import { notRunning } from './routes.js';

const Reason = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
const Message = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 4000 }) },
  { additionalProperties: false },
);

async function requireCampaign(ctx: ApiContext, campaignId: string): Promise<void> {
  if ((await findCampaign(ctx.pool, campaignId)) === null)
    throw new AppError('not_found', `no campaign ${campaignId}`);
}

/**
 * Operator actions (operator role), delivered as Temporal signals (durable: a worker that is down
 * receives them when it comes back) and recorded in the campaign's action log under the
 * authenticated identity's name.
 */
export const controlRoutes: ApiPlugin = async (app, { ctx }) => {
  const campaignAction = (action: 'pause' | 'resume' | 'stop' | 'cancel', summary: string) =>
    app.post(
      `/v1/campaigns/:campaignId/${action}`,
      {
        config: { access: 'operator' },
        schema: {
          summary,
          tags: ['control'],
          params: CampaignParams,
          body: Reason,
          response: { 202: Accepted, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const { campaignId } = request.params;
        await requireCampaign(ctx, campaignId);
        const handle = ctx.temporal.workflow.getHandle(campaignWorkflowId(campaignId));
        const reason = request.body?.reason ?? `${action} by ${actorOf(request)}`;
        await (action === 'pause'
          ? handle.signal(pauseSignal)
          : action === 'resume'
            ? handle.signal(resumeSignal)
            : action === 'stop'
              ? handle.signal(stopSignal, { reason })
              : handle.cancel()
        ).catch((error: unknown) => notRunning(error, `campaign ${campaignId}`));
        await insertCampaignEvent(ctx.pool, {
          campaignId,
          actor: actorOf(request),
          action,
          detail: { reason },
        });
        return reply.code(202).send({ accepted: true, action });
      },
    );
  campaignAction('pause', 'Pause every agent after its current step');
  campaignAction('resume', 'Resume a paused campaign');
  campaignAction('stop', 'Stop gracefully: agents finish their current experiment, then end');
  campaignAction('cancel', 'Cancel now: running trainer runs are killed');

  app.post(
    '/v1/campaigns/:campaignId/budget',
    {
      config: { access: 'operator' },
      schema: {
        summary: 'Replace the campaign budget (experiments, GPU-hours, deadline)',
        tags: ['control'],
        params: CampaignParams,
        body: BudgetLimits,
        response: { 202: Accepted, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { campaignId } = request.params;
      await requireCampaign(ctx, campaignId);
      await ctx.temporal.workflow
        .getHandle(campaignWorkflowId(campaignId))
        .signal(setBudgetSignal, request.body)
        .catch((error: unknown) => notRunning(error, `campaign ${campaignId}`));
      await insertCampaignEvent(ctx.pool, {
        campaignId,
        actor: actorOf(request),
        action: 'budget',
        detail: request.body,
      });
      return reply.code(202).send({ accepted: true, action: 'budget' });
    },
  );

  const agentAction = (action: 'pause' | 'resume' | 'stop' | 'message' | 'budget') =>
    app.post(
      `/v1/campaigns/:campaignId/agents/:agentId/${action}`,
      {
        config: { access: 'operator' },
        schema: {
          summary:
            action === 'message'
              ? "Send an agent a message; it is added to the agent's context at its next proposal"
              : action === 'budget'
                ? "Replace one agent's budget"
                : `${action[0]!.toUpperCase()}${action.slice(1)} one agent`,
          tags: ['control'],
          params: AgentParams,
          body: action === 'message' ? Message : action === 'budget' ? BudgetLimits : Reason,
          response: { 202: Accepted, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const { campaignId, agentId } = request.params;
        await requireCampaign(ctx, campaignId);
        const live = await queryCampaign(ctx.temporal, campaignId);
        if (live && !live.agents.some((a) => a.agentId === agentId)) {
          throw new AppError('not_found', `campaign ${campaignId} has no agent ${agentId}`);
        }
        const handle = ctx.temporal.workflow.getHandle(researcherIdOf(live, campaignId, agentId));
        const actor = actorOf(request);
        const body = request.body as { reason?: string; text?: string } & Record<string, unknown>;
        const send =
          action === 'pause'
            ? handle.signal(pauseSignal)
            : action === 'resume'
              ? handle.signal(resumeSignal)
              : action === 'stop'
                ? handle.signal(stopSignal, { reason: body?.reason ?? `stopped by ${actor}` })
                : action === 'message'
                  ? handle.signal(operatorMessageSignal, { from: actor, text: body.text! })
                  : handle.signal(setBudgetSignal, body as BudgetLimits);
        await send.catch((error: unknown) => notRunning(error, `agent ${agentId} of campaign ${campaignId}`));
        await insertCampaignEvent(ctx.pool, { campaignId, agentId, actor, action, detail: body ?? {} });
        return reply.code(202).send({ accepted: true, action });
      },
    );
  for (const action of ['pause', 'resume', 'stop', 'message', 'budget'] as const) agentAction(action);
};
