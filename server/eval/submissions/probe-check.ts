import { findProbe, probeLimit } from '../../../core/probe.js';
import type { AgentPrincipal } from '../auth/principal.js';
import type { EvalContext } from '../context.js';
import { PROBE_LOOKBACK } from '../settings.js';
import type { ScoringKey } from '../tasks/task-repository.js';
import type { ProbeFlag } from './schemas.js';
import { recentPredictions } from './submission-repository.js';

/**
 * Whether a new submission nearly repeats one of the agent's recent submissions on the same task
 * (at least one and at most `probeFraction` of the rows changed their predicted class).
 */
export async function checkForProbe(
  ctx: EvalContext,
  agent: AgentPrincipal,
  key: ScoringKey,
  classesBySeed: readonly { classes: Uint16Array }[],
): Promise<ProbeFlag | null> {
  const priors = await recentPredictions(
    ctx.pool,
    { campaignId: agent.campaignId, agentId: agent.agentId, taskId: key.taskId },
    key.numClasses,
    PROBE_LOOKBACK,
  );
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
