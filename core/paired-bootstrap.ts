import { quantile } from './bootstrap.js';
import { MULBERRY_INCREMENT, mix32, TWO_POW_32 } from './random.js';

/** The result of comparing a candidate with a comparator, paired by seed and by test example. */
export interface PairedComparison {
  /** Mean over seeds of candidate accuracy minus comparator accuracy. */
  readonly meanDifference: number;
  /** Percentile interval of the difference at `level`. */
  readonly interval: { readonly low: number; readonly high: number };
  readonly level: number;
  /**
   * One-sided bootstrap p-value for "the candidate is no better": the share of replicates in which
   * the difference is ≤ 0 (with the usual +1 correction, so it is never exactly 0).
   */
  readonly pValue: number;
  readonly replicates: number;
}

/**
 * A two-level paired bootstrap of the accuracy difference between a candidate and a comparator
 * run on the same seeds and the same test examples. Each replicate resamples seed pairs (training
 * noise) and examples (test-set noise) with replacement, keeping every pairing, so the interval
 * and p-value reflect both sources of noise; pairing removes what the two share.
 *
 * `candidate[s][i]` and `comparator[s][i]` are 1 when seed s got example i right. Seeds are paired
 * by position: position s of both arms used the same training seed.
 */
export function pairedBootstrap(
  candidate: readonly Uint8Array[],
  comparator: readonly Uint8Array[],
  options: { replicates: number; level: number; seed: number },
): PairedComparison {
  const seeds = candidate.length;
  if (seeds === 0 || seeds !== comparator.length)
    throw new RangeError('both arms need the same, non-zero number of seeds');
  const examples = candidate[0]!.length;
  if (examples === 0) throw new RangeError('no examples to compare');
  // diff[s][i] ∈ {-1, 0, 1}; keep it per seed as Int8Array.
  const diff = candidate.map((c, s) => {
    const d = new Int8Array(examples);
    const other = comparator[s]!;
    if (c.length !== examples || other.length !== examples)
      throw new RangeError('every seed must score the same examples');
    for (let i = 0; i < examples; i++) d[i] = c[i]! - other[i]!;
    return d;
  });
  let observed = 0;
  for (const d of diff) for (let i = 0; i < examples; i++) observed += d[i]!;
  observed /= seeds * examples;

  const values = new Float64Array(options.replicates);
  const seedWeights = new Float64Array(seeds);
  let state = options.seed | 0;
  let notBetter = 0;
  for (let r = 0; r < options.replicates; r++) {
    seedWeights.fill(0);
    for (let s = 0; s < seeds; s++) {
      state = (state + MULBERRY_INCREMENT) | 0;
      seedWeights[Math.floor((mix32(state) * seeds) / TWO_POW_32)]! += 1;
    }
    let total = 0;
    for (let i = 0; i < examples; i++) {
      state = (state + MULBERRY_INCREMENT) | 0;
      const row = Math.floor((mix32(state) * examples) / TWO_POW_32);
      for (let s = 0; s < seeds; s++) {
        const w = seedWeights[s]!;
        if (w !== 0) total += w * diff[s]![row]!;
      }
    }
    const value = total / (seeds * examples);
    values[r] = value;
    if (value <= 0) notBetter += 1;
  }
  values.sort();
  const alpha = (1 - options.level) / 2;
  return {
    meanDifference: observed,
    interval: { low: quantile(values, alpha), high: quantile(values, 1 - alpha) },
    level: options.level,
    pValue: (notBetter + 1) / (options.replicates + 1),
    replicates: options.replicates,
  };
}

/**
 * Bonferroni: the per-comparison threshold when `candidates` methods have been put to the test in
 * a campaign, so the chance of any false "verified" stays at most `alpha`. Conservative, and
 * valid whatever the dependence between candidates (they share seeds and test examples).
 */
export function correctedAlpha(alpha: number, candidates: number): number {
  return alpha / Math.max(1, candidates);
}
