import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../../core/random.js';

/** A synthetic prepared task: what the trainer's `prepare` step would write. */
export interface SyntheticTask {
  readonly labelStore: {
    labelStoreVersion: 2;
    task: string;
    numClasses: number;
    testSize: number;
    testLabels: number[];
    weakAccuracy: { mean: number; sd: number; perSeed: number[] };
    ceilingAccuracy: { mean: number; sd: number; perSeed: number[] };
    bundleSha256: string;
    createdAt: string;
    seeds: number;
    dataSecret: string;
  };
  readonly bundle: Buffer;
  readonly labels: number[];
}

/** A label store with seeded random labels and random bytes as its bundle. */
export function syntheticTask(
  options: {
    task?: string;
    testSize?: number;
    numClasses?: number;
    seed?: number;
    weak?: number;
    ceiling?: number;
  } = {},
): SyntheticTask {
  const testSize = options.testSize ?? 400;
  const numClasses = options.numClasses ?? 10;
  const rng = createRng(options.seed ?? 1);
  const labels = Array.from({ length: testSize }, () => Math.floor(rng() * numClasses));
  const bundle = randomBytes(4096);
  const weak = options.weak ?? 0.6;
  const ceiling = options.ceiling ?? 0.9;
  return {
    labels,
    bundle,
    labelStore: {
      labelStoreVersion: 2,
      task: options.task ?? 'mnist1d',
      numClasses,
      testSize,
      testLabels: labels,
      weakAccuracy: { mean: weak, sd: 0.01, perSeed: [weak, weak] },
      ceilingAccuracy: { mean: ceiling, sd: 0.01, perSeed: [ceiling, ceiling] },
      bundleSha256: createHash('sha256').update(bundle).digest('hex'),
      createdAt: new Date().toISOString(),
      seeds: 8,
      dataSecret: randomBytes(32).toString('hex'),
    },
  };
}

/** Writes labels.json and bundle.npz into a fresh temporary folder; returns its path. */
export function writeTaskDir(task: SyntheticTask): string {
  const dir = mkdtempSync(join(tmpdir(), 'aar-eval-task-'));
  writeFileSync(join(dir, 'labels.json'), JSON.stringify(task.labelStore));
  writeFileSync(join(dir, 'bundle.npz'), task.bundle);
  return dir;
}

/**
 * Probability rows whose argmax is right with probability `accuracy` (seeded): 0.9 on the
 * predicted class, the rest spread evenly, so every row sums to 1.
 */
export function predictions(
  labels: readonly number[],
  numClasses: number,
  accuracy: number,
  seed: number,
): number[][] {
  const rng = createRng(seed);
  return labels.map((label) => {
    const predicted =
      rng() < accuracy ? label : (label + 1 + Math.floor(rng() * (numClasses - 1))) % numClasses;
    return oneHotish(predicted, numClasses);
  });
}

/** A probability row that puts 0.9 on `predicted`. */
export function oneHotish(predicted: number, numClasses: number): number[] {
  const rest = 0.1 / (numClasses - 1);
  return Array.from({ length: numClasses }, (_, c) => (c === predicted ? 0.9 : rest));
}

/** A copy of `rows` whose predicted class changes on the given rows. */
export function changeRows(
  rows: readonly number[][],
  which: readonly number[],
  numClasses: number,
): number[][] {
  const copy = rows.map((row) => [...row]);
  for (const r of which) {
    const current = copy[r]!.indexOf(Math.max(...copy[r]!));
    copy[r] = oneHotish((current + 1) % numClasses, numClasses);
  }
  return copy;
}
