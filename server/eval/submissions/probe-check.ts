import type { ProbeFlag } from '../../../core/api/eval/submissions.js';
import { findProbe, type PriorPredictions, probeLimit } from '../../../core/probe.js';
import type { AgentPrincipal } from '../auth/principal.js';
import type { EvalContext } from '../context.js';
import { PROBE_LOOKBACK } from '../settings.js';
import type { ScoringKey } from '../tasks/task-repository.js';
import { recentPredictions } from './submission-repository.js';

/** Predicted classes of the agent's latest submissions on the task: what probe detection compares. */
export function recentPriors(
  ctx: EvalContext,
  agent: AgentPrincipal,
  key: ScoringKey,
): Promise<PriorPredictions[]> {
  return recentPredictions(
    ctx.pool,
    { campaignId: agent.campaignId, agentId: agent.agentId, taskId: key.taskId },
    key.numClasses,
    PROBE_LOOKBACK,
  );
}

/**
 * Whether a new submission nearly repeats one of the agent's recent submissions on the same task
 * (at least one and at most `probeFraction` of the rows changed their predicted class).
 */
export function probeAmong(
  priors: readonly PriorPredictions[],
  ctx: EvalContext,
  key: ScoringKey,
  classesBySeed: readonly { classes: Uint16Array }[],
): ProbeFlag | null {
  const limit = probeLimit(key.testSize, ctx.settings.probeFraction);
  const match = findProbe(
    classesBySeed.map((c) => c.classes),
    priors,
    limit,
  );
  return match === null
    ? null
    : { nearestSubmissionId: match.submissionId, changedRows: match.changed, limit };
}
