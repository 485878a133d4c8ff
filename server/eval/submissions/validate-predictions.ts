import type { SubmissionSeed } from '../../../core/api/eval/submissions.js';
import { ROW_SUM_TOLERANCE } from '../settings.js';
import { rowCount, rowLength, type SeedMatrix, toSeedMatrix } from './seed-matrix.js';

/** What a submission must match: the task's shape and the experiment's seed count. */
export interface PredictionShape {
  readonly testSize: number;
  readonly numClasses: number;
  /** Seeds the experiment was registered with: a submission may carry at most this many. */
  readonly maxSeeds: number;
}

/** One problem: a JSON pointer into the body and what to fix. */
export interface Problem {
  readonly path: string;
  readonly message: string;
}

const MAX_PROBLEMS = 10;

/**
 * Everything wrong with a submission's probabilities for a task, each problem naming where and
 * what to fix (at most ten, so a wholly wrong payload gets a short answer). Empty when valid.
 * Checks depend only on the task's shape, never on its labels.
 */
export function predictionProblems(seeds: readonly SubmissionSeed[], shape: PredictionShape): Problem[] {
  return matrixProblems(
    seeds.map((s) => toSeedMatrix(s.seed, s.probabilities)),
    shape,
  );
}

/** `predictionProblems` of the same seeds held as matrices: the same problems, in the same order. */
export function matrixProblems(seeds: readonly SeedMatrix[], shape: PredictionShape): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string) =>
    problems.length < MAX_PROBLEMS && problems.push({ path, message });
  if (seeds.length > shape.maxSeeds) {
    add('/seeds', `has ${seeds.length} seeds; the experiment was registered with ${shape.maxSeeds}`);
  }
  const seen = new Set<number>();
  seeds.forEach((matrix, s) => {
    if (seen.has(matrix.seed)) add(`/seeds/${s}/seed`, `seed ${matrix.seed} appears more than once`);
    seen.add(matrix.seed);
    const rows = rowCount(matrix);
    if (rows !== shape.testSize) {
      add(
        `/seeds/${s}/probabilities`,
        `has ${rows} rows; the task's test set has ${shape.testSize} (one row per test example, in bundle order)`,
      );
      return;
    }
    for (let r = 0; r < rows && problems.length < MAX_PROBLEMS; r++) {
      const path = `/seeds/${s}/probabilities/${r}`;
      const columns = rowLength(matrix, r);
      if (columns !== shape.numClasses) {
        add(path, `has ${columns} columns; the task has ${shape.numClasses} classes`);
        continue;
      }
      const problem = rowProblem(matrix.values, matrix.offsets[r]!, matrix.offsets[r + 1]!);
      if (problem !== null) add(path, problem);
    }
  });
  return problems;
}

/** What is wrong with the probability row `values[start .. end)`, or null. */
function rowProblem(values: Float64Array, start: number, end: number): string | null {
  let sum = 0;
  let finite = true;
  for (let i = start; i < end; i++) {
    const p = values[i]!;
    if (!(Number.isFinite(p) && p >= 0 && p <= 1)) finite = false;
    sum += p;
  }
  if (!finite) return 'holds a value that is not a finite number in [0, 1]';
  if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE)
    return `sums to ${sum.toPrecision(6)}; each row must be a probability vector summing to 1 (±${ROW_SUM_TOLERANCE})`;
  return null;
}
