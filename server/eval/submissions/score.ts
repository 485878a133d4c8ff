import { bootstrapAccuracyInterval } from '../../../core/bootstrap.js';
import { argmaxRows, correctAt, meanOf, pgr } from '../../../core/pgr.js';
import { seedFromHex } from '../../../core/random.js';
import type { ScoringKey } from '../tasks/task-repository.js';
import type { SplitScore, SubmissionSeed } from './schemas.js';

/** Coverage of reported intervals. */
export const INTERVAL_LEVEL = 0.95;

/** Predicted classes per seed, and the full score of each half of the test set. */
export interface ScoredSubmission {
  readonly classesBySeed: { seed: number; classes: Uint16Array }[];
  readonly public: SplitScore;
  readonly private: SplitScore;
}

/**
 * Scores a validated submission on both halves of the task's test set. The bootstrap seed comes
 * from the payload hash, so the same payload always gets the same intervals.
 */
export function scoreSubmission(
  seeds: readonly SubmissionSeed[],
  key: ScoringKey,
  payloadSha256: string,
  replicates: number,
): ScoredSubmission {
  const classesBySeed = seeds.map(({ seed, probabilities }) => ({
    seed,
    classes: argmaxRows(probabilities),
  }));
  return {
    classesBySeed,
    public: scoreSplit(classesBySeed, key, key.publicIndices, seedFromHex(payloadSha256), replicates),
    private: scoreSplit(
      classesBySeed,
      key,
      key.privateIndices,
      seedFromHex(payloadSha256.slice(8)),
      replicates,
    ),
  };
}

function scoreSplit(
  classesBySeed: readonly { seed: number; classes: Uint16Array }[],
  key: ScoringKey,
  indices: Int32Array,
  bootstrapSeed: number,
  replicates: number,
): SplitScore {
  const toPgr = (accuracy: number) => pgr(accuracy, key.weakAccuracy, key.ceilingAccuracy);
  const correctBySeed = classesBySeed.map(({ classes }) => correctAt(classes, key.labels, indices));
  const perSeed = classesBySeed.map(({ seed }, s) => {
    const accuracy = meanOf(correctBySeed[s]!);
    return { seed, accuracy, pgr: toPgr(accuracy) };
  });
  const meanAccuracy = perSeed.reduce((sum, s) => sum + s.accuracy, 0) / perSeed.length;
  const interval = bootstrapAccuracyInterval(correctBySeed, {
    replicates,
    level: INTERVAL_LEVEL,
    seed: bootstrapSeed,
  });
  return {
    examples: indices.length,
    weakAccuracy: key.weakAccuracy,
    ceilingAccuracy: key.ceilingAccuracy,
    perSeed,
    meanAccuracy,
    meanPgr: toPgr(meanAccuracy),
    level: INTERVAL_LEVEL,
    accuracyInterval: interval,
    pgrInterval: { low: toPgr(interval.low), high: toPgr(interval.high) },
    replicates,
  };
}
