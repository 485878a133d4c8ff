import type { SplitScore, SubmissionSeed } from '../../../core/api/eval/submissions.js';
import { bootstrapAccuracyInterval, type Interval } from '../../../core/bootstrap.js';
import { argmaxRows, correctAt, meanOf, pgr } from '../../../core/pgr.js';
import { seedFromHex } from '../../../core/random.js';
import type { ScoringKey } from '../tasks/task-repository.js';

/** Coverage of reported intervals. */
export const INTERVAL_LEVEL = 0.95;

/** Predicted classes of one seed. */
export interface SeedClasses {
  readonly seed: number;
  readonly classes: Uint16Array;
}

/** A split's score without its bootstrap intervals: what is known when the receipt is sent. */
export type ExactSplitScore = Omit<SplitScore, 'accuracyInterval' | 'pgrInterval'>;

/** A split's bootstrap intervals, computed after the receipt is sent (`server/eval/scoring`). */
export type SplitIntervals = Pick<SplitScore, 'accuracyInterval' | 'pgrInterval'>;

/** The two halves of the test set. */
export type Half = 'public' | 'private';

/** What scoring needs of a task: its labels, split and reference accuracies. */
export type ScoringLabels = Pick<
  ScoringKey,
  'labels' | 'publicIndices' | 'privateIndices' | 'weakAccuracy' | 'ceilingAccuracy'
>;

/** Predicted classes per seed, and the full score of each half of the test set. */
export interface ScoredSubmission {
  readonly classesBySeed: SeedClasses[];
  readonly public: SplitScore;
  readonly private: SplitScore;
}

/**
 * Scores a validated submission on both halves of the task's test set, intervals included, in
 * the calling thread: the reference that the scoring workers' split of the same work
 * (`exactScore` now, `splitIntervals` later) must equal to the bit.
 */
export function scoreSubmission(
  seeds: readonly SubmissionSeed[],
  key: ScoringLabels,
  payloadSha256: string,
  replicates: number,
): ScoredSubmission {
  const classesBySeed = seeds.map(({ seed, probabilities }) => ({
    seed,
    classes: argmaxRows(probabilities),
  }));
  const exact = exactScore(classesBySeed, key, replicates);
  const complete = (half: Half): SplitScore => ({
    ...exact[half],
    ...splitIntervals(classesBySeed, key, half, payloadSha256, exact[half]),
  });
  return { classesBySeed, public: complete('public'), private: complete('private') };
}

/** Both halves' exact scores (per seed, mean, PGR) of predicted classes: no bootstrap. */
export function exactScore(
  classesBySeed: readonly SeedClasses[],
  key: ScoringLabels,
  replicates: number,
): { public: ExactSplitScore; private: ExactSplitScore } {
  return {
    public: exactSplit(classesBySeed, key, key.publicIndices, replicates),
    private: exactSplit(classesBySeed, key, key.privateIndices, replicates),
  };
}

function exactSplit(
  classesBySeed: readonly SeedClasses[],
  key: ScoringLabels,
  indices: Int32Array,
  replicates: number,
): ExactSplitScore {
  const toPgr = (accuracy: number) => pgr(accuracy, key.weakAccuracy, key.ceilingAccuracy);
  const perSeed = classesBySeed.map(({ seed, classes }) => {
    const accuracy = meanOf(correctAt(classes, key.labels, indices));
    return { seed, accuracy, pgr: toPgr(accuracy) };
  });
  const meanAccuracy = perSeed.reduce((sum, s) => sum + s.accuracy, 0) / perSeed.length;
  return {
    examples: indices.length,
    weakAccuracy: key.weakAccuracy,
    ceilingAccuracy: key.ceilingAccuracy,
    perSeed,
    meanAccuracy,
    meanPgr: toPgr(meanAccuracy),
    level: INTERVAL_LEVEL,
    replicates,
  };
}

/**
 * The seed of a half's bootstrap: from the payload hash, so the same payload always gets the
 * same intervals (the public half from its first eight hex digits, the private from the next).
 */
export function bootstrapSeedOf(payloadSha256: string, half: Half): number {
  return seedFromHex(half === 'public' ? payloadSha256 : payloadSha256.slice(8));
}

/**
 * One half's bootstrap intervals of predicted classes. `exact` supplies what the receipt's score
 * fixed: level, replicates and the reference accuracies that turn accuracy into PGR.
 */
export function splitIntervals(
  classesBySeed: readonly SeedClasses[],
  key: Pick<ScoringKey, 'labels' | 'publicIndices' | 'privateIndices'>,
  half: Half,
  payloadSha256: string,
  exact: Pick<ExactSplitScore, 'level' | 'replicates' | 'weakAccuracy' | 'ceilingAccuracy'>,
): SplitIntervals {
  const indices = half === 'public' ? key.publicIndices : key.privateIndices;
  const correctBySeed = classesBySeed.map(({ classes }) => correctAt(classes, key.labels, indices));
  const interval: Interval = bootstrapAccuracyInterval(correctBySeed, {
    replicates: exact.replicates,
    level: exact.level,
    seed: bootstrapSeedOf(payloadSha256, half),
  });
  const toPgr = (accuracy: number) => pgr(accuracy, exact.weakAccuracy, exact.ceilingAccuracy);
  return {
    accuracyInterval: interval,
    pgrInterval: { low: toPgr(interval.low), high: toPgr(interval.high) },
  };
}
