import { MULBERRY_INCREMENT, mix32, TWO_POW_32 } from './random.js';

/**
 * A seeded bootstrap confidence interval for mean accuracy over seeds. Deterministic: the same
 * inputs and seed give the same interval, so a resubmitted payload gets the same answer.
 */

/** The q-quantile of ascending `sorted` values, interpolating linearly between neighbours. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty sample');
  const position = (sorted.length - 1) * Math.min(1, Math.max(0, q));
  const below = Math.floor(position);
  const above = Math.min(sorted.length - 1, below + 1);
  const weight = position - below;
  return sorted[below]! * (1 - weight) + sorted[above]! * weight;
}

/** How to bootstrap: replicates, coverage and the PRNG seed. */
export interface BootstrapOptions {
  /** Number of bootstrap replicates (1,000 is the usual choice for a 95 % interval). */
  readonly replicates: number;
  /** Coverage of the interval, such as 0.95. */
  readonly level: number;
  /** Seed of the resampling PRNG. */
  readonly seed: number;
}

/** A closed interval. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/**
 * Percentile bootstrap interval of the mean accuracy over seeds. Each replicate resamples the
 * seeds and the examples with replacement (the same examples for every seed, since seeds are
 * scored on one test set), so the interval reflects both training noise and test-set noise.
 *
 * `correctBySeed[s][i]` is 1 when seed s got example i right. Examples are grouped by their
 * pattern of right and wrong across seeds, so a replicate costs O(examples + patterns × seeds).
 */
export function bootstrapAccuracyInterval(
  correctBySeed: readonly Uint8Array[],
  options: BootstrapOptions,
): Interval {
  const seeds = correctBySeed.length;
  const examples = correctBySeed[0]?.length ?? 0;
  if (seeds === 0 || examples === 0)
    throw new RangeError('bootstrap needs at least one seed and one example');
  const { patternOf, patterns } = groupByPattern(correctBySeed, examples);
  // The PRNG state lives in a local: the inner loop draws a few million times per submission.
  let state = options.seed | 0;
  const weights = new Float64Array(seeds);
  const patternValue = new Float64Array(patterns.length);
  const replicateMeans = new Float64Array(options.replicates);
  for (let b = 0; b < options.replicates; b++) {
    weights.fill(0);
    for (let s = 0; s < seeds; s++) {
      state = (state + MULBERRY_INCREMENT) | 0;
      weights[Math.floor((mix32(state) * seeds) / TWO_POW_32)]! += 1;
    }
    for (let p = 0; p < patterns.length; p++) {
      const bits = patterns[p]!;
      let value = 0;
      for (let s = 0; s < seeds; s++) value += weights[s]! * bits[s]!;
      patternValue[p] = value / seeds;
    }
    let total = 0;
    for (let i = 0; i < examples; i++) {
      state = (state + MULBERRY_INCREMENT) | 0;
      total += patternValue[patternOf[Math.floor((mix32(state) * examples) / TWO_POW_32)]!]!;
    }
    replicateMeans[b] = total / examples;
  }
  replicateMeans.sort();
  const tail = (1 - options.level) / 2;
  return { low: quantile(replicateMeans, tail), high: quantile(replicateMeans, 1 - tail) };
}

function groupByPattern(
  correctBySeed: readonly Uint8Array[],
  examples: number,
): { patternOf: Uint32Array; patterns: Uint8Array[] } {
  const index = new Map<string, number>();
  const patterns: Uint8Array[] = [];
  const patternOf = new Uint32Array(examples);
  for (let i = 0; i < examples; i++) {
    let key = '';
    for (const correct of correctBySeed) key += correct[i] === 1 ? '1' : '0';
    let id = index.get(key);
    if (id === undefined) {
      id = patterns.length;
      index.set(key, id);
      patterns.push(Uint8Array.from(correctBySeed, (correct) => correct[i]!));
    }
    patternOf[i] = id;
  }
  return { patternOf, patterns };
}
