import type { FastifyRequest } from 'fastify';
import type { SubmissionReceipt } from '../../../core/api/eval/submissions.js';
import { AppError } from '../../http/errors.js';
import type { AgentPrincipal } from '../auth/principal.js';
import type { EvalContext } from '../context.js';
import { findExperiment } from '../experiments/experiment-repository.js';
import { auditFactsOf } from '../request-state.js';
import type { ParsedSubmission } from '../scoring/scoring-tasks.js';
import { isExpired } from '../tasks/task-repository.js';
import { budgetRefusal, readUsage } from './budget.js';
import { probeAmong, recentPriors } from './probe-check.js';
import { recordSubmission } from './record-submission.js';
import { refuseBudget, refuseNoEval } from './refusals.js';
import { replay, storedAnswer } from './replay.js';

/** The answer to a submission: 201 for a new one, 200 for a replayed idempotency key. */
export interface SubmitAnswer {
  readonly status: 200 | 201;
  readonly receipt: SubmissionReceipt;
}

/**
 * Handles `POST /v1/submissions` for an agent (its body parsed and hashed by a scoring worker),
 * in this order: the experiment must exist and be the agent's; a known idempotency key answers
 * its stored receipt; a no-eval experiment is a recorded violation; the task must be current;
 * every prediction must be valid for the task; the budget must allow one more. Only then is
 * anything stored or counted. Reads that do not depend on each other run together, and their
 * outcomes are still taken in that order. Validation and exact scoring run in one worker task,
 * outside any lock; recording re-checks key and budget under the agent's lock; the bootstrap
 * intervals are computed after the answer (`ctx.intervals`).
 */
export async function submit(
  ctx: EvalContext,
  request: FastifyRequest,
  agent: AgentPrincipal,
  body: ParsedSubmission,
): Promise<SubmitAnswer> {
  const sha = body.payloadSha256;
  const storedLookup = later(storedAnswer(ctx.pool, agent, body.idempotencyKey, sha));
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
  const stored = await storedLookup;
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
  const usageLookup = later(readUsage(ctx.pool, agent.campaignId, agent.agentId));
  const priorsLookup = later(recentPriors(ctx, agent, key));
  const stopTimer = ctx.metrics.scoringSeconds.startTimer();
  const scored = await ctx.scoring.score({
    seeds: body.seeds,
    shape: { testSize: key.testSize, numClasses: key.numClasses, maxSeeds: experiment.seeds },
    labels: {
      labels: key.labels,
      publicIndices: key.publicIndices,
      privateIndices: key.privateIndices,
      weakAccuracy: key.weakAccuracy,
      ceilingAccuracy: key.ceilingAccuracy,
    },
    replicates: ctx.settings.bootstrapReplicates,
  });
  stopTimer();
  if ('problems' in scored) {
    const { problems } = scored;
    const message = `the predictions are invalid: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`;
    throw new AppError('invalid_predictions', message, { details: problems });
  }
  const budget = { perHour: ctx.settings.budgetPerHour, perCampaign: ctx.settings.budgetPerCampaign };
  const early = budgetRefusal(await usageLookup, budget);
  if (early !== null) await refuseBudget(ctx, agent, body.experimentId, early);

  const probe = probeAmong(await priorsLookup, ctx, key, scored.classesBySeed);
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
  ctx.intervals.schedule({
    submissionId: outcome.receipt.submissionId,
    labels: key,
    payloadSha256: sha,
    step: outcome.receipt.step,
    exact: scored.exact,
    classesBySeed: scored.classesBySeed,
  });
  return { status: 201, receipt: outcome.receipt };
}

/**
 * A read started early whose outcome is taken later, in its turn: a rejection before then is not
 * "unhandled" (awaiting the promise still throws it), and is dropped when an earlier check ends
 * the request first.
 */
function later<T>(read: Promise<T>): Promise<T> {
  read.catch(() => undefined);
  return read;
}
