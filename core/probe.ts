/**
 * Probe detection: a submission whose predicted classes differ from an earlier submission of the
 * same agent in only a few rows learns those rows' labels from the change in score. Such
 * submissions are flagged for operators (they are still scored).
 */

/**
 * Rows where `a` and `b` differ, counting no further than `stopAfter + 1` (enough to know the
 * pair is not a probe), so comparing unrelated submissions stays cheap.
 */
export function countChanged(a: ArrayLike<number>, b: ArrayLike<number>, stopAfter: number): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let changed = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i] && ++changed > stopAfter) return changed;
  }
  return changed;
}

/** The most rows a submission may change from an earlier one and still be flagged: at least 1. */
export function probeLimit(testSize: number, fraction: number): number {
  return Math.max(1, Math.floor(testSize * fraction));
}

/** An earlier submission's predicted classes, one vector per seed. */
export interface PriorPredictions {
  readonly submissionId: string;
  readonly classesBySeed: readonly ArrayLike<number>[];
}

/** The earlier submission a new one nearly repeats. */
export interface ProbeMatch {
  /** The earlier submission the new one nearly repeats. */
  readonly submissionId: string;
  /** Rows whose predicted class changed (at least 1, at most the limit). */
  readonly changed: number;
}

/**
 * The earlier submission nearest to `candidate` among those that differ from it in at least one
 * and at most `limit` rows (comparing every seed vector with every seed vector); null when there
 * is none, which means the submission is not a probe.
 */
export function findProbe(
  candidate: readonly ArrayLike<number>[],
  priors: readonly PriorPredictions[],
  limit: number,
): ProbeMatch | null {
  let best: ProbeMatch | null = null;
  for (const prior of priors) {
    for (const mine of candidate) {
      for (const theirs of prior.classesBySeed) {
        const changed = countChanged(mine, theirs, limit);
        if (changed >= 1 && changed <= limit && (best === null || changed < best.changed)) {
          best = { submissionId: prior.submissionId, changed };
        }
      }
    }
  }
  return best;
}
