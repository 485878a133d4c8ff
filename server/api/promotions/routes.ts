import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { Type } from 'typebox';
import { findCampaign, insertCampaignEvent } from '../../../activities/store/campaigns.js';
import { findExperiment } from '../../../activities/store/experiments.js';
import { openCriticalFlags } from '../../../activities/store/integrity-flags.js';
import { findPromotion, listPromotions, type PromotionRow } from '../../../activities/store/promotions.js';
import { CampaignParams } from '../../../core/api/campaigns.js';
import { ExperimentParams } from '../../../core/api/experiments.js';
import { Promotion, PromotionList, PromotionStarted } from '../../../core/api/promotions.js';
import { CampaignSpec } from '../../../core/campaign-spec.js';
import { parseWith } from '../../../core/validation.js';
import { promotionWorkflowId, signOffUpdate } from '../../../workflows/definitions.js';
import { promotionWorkflow } from '../../../workflows/index.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { actorOf } from '../auth/identity.js';
import type { ApiContext, ApiPlugin } from '../context.js';

const PromotionParams = Type.Object({
  promotionId: Type.String({ pattern: '^promotion-[a-z0-9-]{1,200}$' }),
});

/**
 * What accepting a verified promotion needs beyond the approver role: no open critical integrity
 * flag on the candidate (409 naming them), and, when the campaign spec sets
 * `promotion.requireDistinctApprover`, an approver other than the campaign's launcher (403).
 */
async function checkAcceptable(ctx: ApiContext, promotion: PromotionRow, approver: string): Promise<void> {
  const campaign = await findCampaign(ctx.pool, promotion.campaignId);
  const spec = parseWith(CampaignSpec, campaign?.spec ?? {}, 'stored campaign spec');
  if (spec.promotion.requireDistinctApprover && campaign?.launchedBy === approver) {
    throw new AppError(
      'forbidden',
      `campaign ${promotion.campaignId} requires an approver other than its launcher (${approver}): ask another approver to sign off`,
    );
  }
  const flags = await openCriticalFlags(ctx.pool, promotion.experimentId);
  if (flags.length > 0) {
    throw new AppError(
      'conflict',
      `experiment ${promotion.experimentId} has open critical integrity flags: ${flags
        .map((f) => `#${f.id} ${f.kind} (${f.message})`)
        .join('; ')}; clear them (aar flags clear <flag-id> --reason ...) or reject the promotion`,
    );
  }
}

/**
 * The promotion gate from the operator's side: promote an experiment (operator role), read
 * promotions (viewer), and sign a verified one off (approver: a Temporal update carrying the
 * authenticated identity and the reason).
 */
export const promotionRoutes: ApiPlugin = async (app, { ctx }) => {
  app.post(
    '/v1/experiments/:experimentId/promote',
    {
      config: { access: 'operator' },
      schema: {
        summary:
          'Put a scored experiment through the promotion gate (fresh seeds, private half, held-out task)',
        tags: ['promotions'],
        params: ExperimentParams,
        response: { 202: PromotionStarted, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const experiment = await findExperiment(ctx.pool, request.params.experimentId);
      if (experiment === null)
        throw new AppError('not_found', `no experiment ${request.params.experimentId}`);
      if (experiment.status !== 'scored') {
        throw new AppError(
          'conflict',
          `experiment ${experiment.id} is ${experiment.status}: only a scored experiment can be promoted`,
        );
      }
      const campaign = await findCampaign(ctx.pool, experiment.campaignId);
      const spec = parseWith(CampaignSpec, campaign?.spec ?? {}, 'stored campaign spec');
      const workflowId = promotionWorkflowId(experiment.id);
      const actor = actorOf(request);
      try {
        await ctx.temporal.workflow.start(promotionWorkflow, {
          workflowId,
          taskQueue: ctx.orchestratorQueue,
          args: [
            {
              campaignId: experiment.campaignId,
              experimentId: experiment.id,
              trigger: 'operator',
              requestedBy: actor,
              executor: spec.executor,
              maxRunAttempts: spec.maxRunAttempts,
              freshSeeds: spec.promotion.freshSeeds,
              alpha: spec.promotion.alpha,
              ...(spec.heldOutTask ? { heldOutTask: spec.heldOutTask } : {}),
            },
          ],
        });
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) {
          throw new AppError(
            'conflict',
            `experiment ${experiment.id} is already being promoted (${workflowId})`,
          );
        }
        throw error;
      }
      await insertCampaignEvent(ctx.pool, {
        campaignId: experiment.campaignId,
        actor,
        action: 'promote',
        detail: { experimentId: experiment.id },
      });
      return reply.code(202).send({ promotionId: workflowId, workflowId });
    },
  );

  app.get(
    '/v1/campaigns/:campaignId/promotions',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Promotions of a campaign with their verdicts and numbers',
        tags: ['promotions'],
        params: CampaignParams,
        response: { 200: PromotionList, ...errorResponses(401, 403) },
      },
    },
    async (request) => ({ promotions: await listPromotions(ctx.pool, request.params.campaignId) }),
  );

  app.get(
    '/v1/promotions/:promotionId',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'One promotion',
        tags: ['promotions'],
        params: PromotionParams,
        response: { 200: Promotion, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const found = await findPromotion(ctx.pool, request.params.promotionId);
      if (found === null) throw new AppError('not_found', `no promotion ${request.params.promotionId}`);
      return found;
    },
  );

  app.post(
    '/v1/promotions/:promotionId/sign-off',
    {
      config: { access: 'approver' },
      schema: {
        summary: 'Accept or reject a verified promotion, as the authenticated approver, with a reason',
        description:
          'Needs the approver role. Accepting is refused (409) while the candidate experiment has open critical integrity flags, and (403) by the identity that launched the campaign when its spec sets promotion.requireDistinctApprover. Rejecting is always allowed.',
        tags: ['promotions'],
        params: PromotionParams,
        body: Type.Object(
          {
            accept: Type.Boolean(),
            reason: Type.String({ minLength: 3, maxLength: 2000 }),
            operator: Type.Optional(
              Type.String({
                maxLength: 100,
                description:
                  'Ignored (kept so older clients still work): the sign-off is recorded under the identity of the token or session.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Promotion, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const found: PromotionRow | null = await findPromotion(ctx.pool, request.params.promotionId);
      if (found === null) throw new AppError('not_found', `no promotion ${request.params.promotionId}`);
      if (found.state !== 'verified') {
        throw new AppError(
          'conflict',
          `promotion ${found.id} is ${found.state}: only a verified result can be signed off`,
        );
      }
      const operator = actorOf(request);
      if (request.body.accept) await checkAcceptable(ctx, found, operator);
      try {
        await ctx.temporal.workflow.getHandle(request.params.promotionId).executeUpdate(signOffUpdate, {
          args: [{ operator, reason: request.body.reason, accept: request.body.accept }],
        });
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError) {
          throw new AppError(
            'conflict',
            error.cause?.message ?? `promotion ${found.id} cannot be signed off now`,
          );
        }
        throw error;
      }
      await insertCampaignEvent(ctx.pool, {
        campaignId: found.campaignId,
        actor: operator,
        action: request.body.accept ? 'accept' : 'reject',
        detail: { promotionId: found.id, reason: request.body.reason },
      });
      return (await findPromotion(ctx.pool, found.id))!;
    },
  );
};
