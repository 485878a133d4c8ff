import { AppError } from '../../http/errors.js';
import type { AgentPrincipal } from '../auth/principal.js';
import type { EvalContext } from '../context.js';
import { recordViolation } from '../violations/violation-repository.js';
import type { BudgetWindow } from './budget.js';

/**
 * Records a submission to a no-eval experiment as a violation and throws its 403. The record is
 * written before the refusal, so a client that disconnects cannot avoid it.
 */
export async function refuseNoEval(
  ctx: EvalContext,
  agent: AgentPrincipal,
  experimentId: string,
): Promise<never> {
  await recordViolation(ctx.pool, {
    kind: 'no_eval',
    campaignId: agent.campaignId,
    agentId: agent.agentId,
    experimentId,
    submissionId: null,
    viaAdmin: agent.viaAdmin,
    detail: {},
  });
  ctx.metrics.violations.inc({ kind: 'no_eval' });
  throw new AppError(
    'no_eval_violation',
    `experiment ${experimentId} is registered as no-eval and may not be scored; this attempt was recorded as a violation`,
  );
}

/** Records a budget overrun and throws its 429. */
export async function refuseBudget(
  ctx: EvalContext,
  agent: AgentPrincipal,
  experimentId: string,
  refusal: { window: BudgetWindow; error: AppError },
): Promise<never> {
  await recordViolation(ctx.pool, {
    kind: 'budget_exhausted',
    campaignId: agent.campaignId,
    agentId: agent.agentId,
    experimentId,
    submissionId: null,
    viaAdmin: agent.viaAdmin,
    detail: { window: refusal.window },
  });
  ctx.metrics.budgetRefusals.inc({ window: refusal.window });
  ctx.metrics.violations.inc({ kind: 'budget_exhausted' });
  throw refusal.error;
}
