import { ROW_SUM_TOLERANCE } from '../settings.js';
import type { SubmissionSeed } from './schemas.js';

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
  const problems: Problem[] = [];
  const add = (path: string, message: string) =>
    problems.length < MAX_PROBLEMS && problems.push({ path, message });
  if (seeds.length > shape.maxSeeds) {
    add('/seeds', `has ${seeds.length} seeds; the experiment was registered with ${shape.maxSeeds}`);
  }
  const seen = new Set<number>();
  seeds.forEach((entry, s) => {
    if (seen.has(entry.seed)) add(`/seeds/${s}/seed`, `seed ${entry.seed} appears more than once`);
    seen.add(entry.seed);
    const rows = entry.probabilities;
    if (rows.length !== shape.testSize) {
      add(
        `/seeds/${s}/probabilities`,
        `has ${rows.length} rows; the task's test set has ${shape.testSize} (one row per test example, in bundle order)`,
      );
      return;
    }
    for (let r = 0; r < rows.length && problems.length < MAX_PROBLEMS; r++) {
      const row = rows[r]!;
      const path = `/seeds/${s}/probabilities/${r}`;
      if (row.length !== shape.numClasses) {
        add(path, `has ${row.length} columns; the task has ${shape.numClasses} classes`);
        continue;
      }
      let sum = 0;
      let finite = true;
      for (const p of row) {
        if (!(Number.isFinite(p) && p >= 0 && p <= 1)) finite = false;
        sum += p;
      }
      if (!finite) add(path, 'holds a value that is not a finite number in [0, 1]');
      else if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE)
        add(
          path,
          `sums to ${sum.toPrecision(6)}; each row must be a probability vector summing to 1 (±${ROW_SUM_TOLERANCE})`,
        );
    }
  });
  return problems;
}
