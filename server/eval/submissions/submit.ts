import type { FastifyRequest } from 'fastify';
import { AppError } from '../../http/errors.js';
import type { AgentPrincipal } from '../auth/principal.js';
import type { EvalContext } from '../context.js';
import { findExperiment } from '../experiments/experiment-repository.js';
import { auditFactsOf } from '../request-state.js';
import { isExpired } from '../tasks/task-repository.js';
import { budgetRefusal, readUsage } from './budget.js';
import { payloadSha256 } from './payload-hash.js';
import { checkForProbe } from './probe-check.js';
import { recordSubmission } from './record-submission.js';
import { refuseBudget, refuseNoEval } from './refusals.js';
import { replay, storedAnswer } from './replay.js';
import type { SubmissionReceipt, SubmissionRequest } from './schemas.js';
import { scoreSubmission } from './score.js';
import { predictionProblems } from './validate-predictions.js';

/** The answer to a submission: 201 for a new one, 200 for a replayed idempotency key. */
export interface SubmitAnswer {
  readonly status: 200 | 201;
  readonly receipt: SubmissionReceipt;
}

/**
 * Handles `POST /v1/submissions` for an agent, in this order: the experiment must exist and be
 * the agent's; a known idempotency key answers its stored receipt; a no-eval experiment is a
 * recorded violation; the task must be current; every prediction must be valid for the task;
 * the budget must allow one more. Only then is anything scored, stored or counted. Scoring runs
 * outside any lock; recording re-checks key and budget under the agent's lock.
 */
export async function submit(
  ctx: EvalContext,
  request: FastifyRequest,
  agent: AgentPrincipal,
  body: SubmissionRequest,
): Promise<SubmitAnswer> {
  const experiment = await findExperiment(ctx.pool, body.experimentId);
  if (experiment === null) {
    throw new AppError(
      'experiment_not_found',
      `no experiment ${body.experimentId}: experiments are registered by the orchestrator before they run`,
    );
  }
  if (experiment.campaignId !== agent.campaignId || experiment.agentId !== agent.agentId) {
    throw new AppError(
      'forbidden',
      `experiment ${body.experimentId} belongs to another agent: submit only your own`,
    );
  }
  const sha = payloadSha256(body.experimentId, body.seeds);
  const stored = await storedAnswer(ctx.pool, agent, body.idempotencyKey, sha);
  if (stored !== null) return replay(request, stored);
  if (experiment.noEval) await refuseNoEval(ctx, agent, body.experimentId);
  const key = await ctx.scoringKeys.get(experiment.taskId);
  if (key === null) throw new Error('registered experiment names a missing task');
  if (isExpired(key)) {
    throw new AppError(
      'task_expired',
      `task ${key.taskId} expired at ${key.expiresAt}: it takes no more submissions`,
    );
  }
  const problems = predictionProblems(body.seeds, {
    testSize: key.testSize,
    numClasses: key.numClasses,
    maxSeeds: experiment.seeds,
  });
  if (problems.length > 0) {
    const message = `the predictions are invalid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`;
    throw new AppError('invalid_predictions', message, { details: problems });
  }
  const budget = { perHour: ctx.settings.budgetPerHour, perCampaign: ctx.settings.budgetPerCampaign };
  const early = budgetRefusal(await readUsage(ctx.pool, agent.campaignId, agent.agentId), budget);
  if (early !== null) await refuseBudget(ctx, agent, body.experimentId, early);

  const stopTimer = ctx.metrics.scoringSeconds.startTimer();
  const scored = scoreSubmission(body.seeds, key, sha, ctx.settings.bootstrapReplicates);
  stopTimer();
  const probe = await checkForProbe(ctx, agent, key, scored.classesBySeed);
  const outcome = await recordSubmission(ctx, request, {
    agent,
    body,
    key,
    payloadSha256: sha,
    scored,
    probe,
  });
  if ('refusal' in outcome) return refuseBudget(ctx, agent, body.experimentId, outcome.refusal);
  if ('replay' in outcome) return replay(request, outcome.replay);
  auditFactsOf(request).written = true;
  if (probe !== null) ctx.metrics.probeFlags.inc();
  return { status: 201, receipt: outcome.receipt };
}
