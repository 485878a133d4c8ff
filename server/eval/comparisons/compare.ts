import { createHash } from 'node:crypto';
import type { ComparisonRequest, ComparisonResult } from '../../../core/api/eval/comparisons.js';
import { pairedBootstrap } from '../../../core/paired-bootstrap.js';
import { argmaxRows, correctAt, meanOf, pgr } from '../../../core/pgr.js';
import { seedFromHex } from '../../../core/random.js';
import type { ScoringKey } from '../tasks/task-repository.js';

const LEVEL = 0.95;

/** The examples a split names: one half of the test set, or all of it. */
function indicesOf(key: ScoringKey, split: ComparisonRequest['split']): Int32Array {
  if (split === 'public') return key.publicIndices;
  if (split === 'private') return key.privateIndices;
  return Int32Array.from({ length: key.testSize }, (_, i) => i);
}

/**
 * Scores every arm on the split and compares the candidate with each other arm by a paired
 * bootstrap (seeds paired by number, examples paired by index). The bootstrap seed comes from the
 * request's content, so the same request gets the same answer. Only numbers leave: never labels.
 */
export function compareArms(request: ComparisonRequest, key: ScoringKey): ComparisonResult {
  const indices = indicesOf(key, request.split);
  const seedNumbers = request.arms[request.candidate]!.seeds.map((s) => s.seed).sort((a, b) => a - b);
  const correct = new Map<string, Uint8Array[]>();
  const toPgr = (accuracy: number) => pgr(accuracy, key.weakAccuracy, key.ceilingAccuracy);
  const arms: ComparisonResult['arms'] = {};
  const hash = createHash('sha256').update(`${request.taskId} ${request.split} ${request.candidate}\n`);
  for (const [name, arm] of Object.entries(request.arms)) {
    const bySeed = new Map(arm.seeds.map((s) => [s.seed, s.probabilities]));
    const perSeedCorrect = seedNumbers.map((seed) => {
      const classes = argmaxRows(bySeed.get(seed)!);
      hash.update(`${name} ${seed} `).update(classes);
      return correctAt(classes, key.labels, indices);
    });
    correct.set(name, perSeedCorrect);
    const perSeed = seedNumbers.map((seed, s) => {
      const accuracy = meanOf(perSeedCorrect[s]!);
      return { seed, accuracy, pgr: toPgr(accuracy) };
    });
    const meanAccuracy = perSeed.reduce((sum, s) => sum + s.accuracy, 0) / perSeed.length;
    arms[name] = { meanAccuracy, meanPgr: toPgr(meanAccuracy), perSeed };
  }
  const seed = seedFromHex(hash.digest('hex'));
  const gap = key.ceilingAccuracy - key.weakAccuracy;
  const comparisons: ComparisonResult['comparisons'] = {};
  for (const name of Object.keys(request.arms)) {
    if (name === request.candidate) continue;
    const result = pairedBootstrap(correct.get(request.candidate)!, correct.get(name)!, {
      replicates: request.replicates,
      level: LEVEL,
      seed,
    });
    comparisons[name] = {
      accuracyDifference: result.meanDifference,
      pgrDifference: result.meanDifference / gap,
      accuracyInterval: result.interval,
      pgrInterval: { low: result.interval.low / gap, high: result.interval.high / gap },
      pValue: result.pValue,
      replicates: result.replicates,
    };
  }
  return {
    taskId: request.taskId,
    split: request.split,
    examples: indices.length,
    seeds: seedNumbers,
    weakAccuracy: key.weakAccuracy,
    ceilingAccuracy: key.ceilingAccuracy,
    arms,
    comparisons,
  };
}

/** Problems a schema cannot express: the candidate is an arm, and every arm has the same seed numbers. */
export function comparisonProblems(request: ComparisonRequest): { path: string; message: string }[] {
  const candidate = request.arms[request.candidate];
  if (candidate === undefined)
    return [{ path: '/candidate', message: `names no arm (arms: ${Object.keys(request.arms).join(', ')})` }];
  const wanted = candidate.seeds
    .map((s) => s.seed)
    .sort((a, b) => a - b)
    .join(',');
  const problems: { path: string; message: string }[] = [];
  for (const [name, arm] of Object.entries(request.arms)) {
    const seeds = arm.seeds.map((s) => s.seed).sort((a, b) => a - b);
    if (new Set(seeds).size !== seeds.length)
      problems.push({ path: `/arms/${name}/seeds`, message: 'repeats a seed' });
    else if (seeds.join(',') !== wanted) {
      problems.push({
        path: `/arms/${name}/seeds`,
        message: `has seeds ${seeds.join(',')}; every arm must use the candidate's seeds ${wanted}`,
      });
    }
  }
  return problems;
}
