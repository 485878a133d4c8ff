import type { RunRequest } from '../../activities/executors/executor.js';
import { storeResult } from '../../activities/store/runs.js';
import type { Pool } from '../../runtime/db.js';

/**
 * Stores a ready result bundle for a run, as a trainer would have uploaded it, with the given
 * predictions: what instant or planted executors in tests and benchmarks return instead of training.
 */
export async function storePlantedResult(
  pool: Pool,
  request: RunRequest,
  predictions: number[][],
): Promise<void> {
  await storeResult(pool, request.runId, {
    resultVersion: 1,
    status: 'succeeded',
    task: request.taskId,
    seed: request.spec.seed ?? 0,
    spec: null,
    predictions,
    curve: [],
    weakValidationAccuracy: null,
    stoppedEpoch: null,
    trainExamples: null,
    wallSeconds: 0,
    device: 'planted',
    versions: {},
  });
}

/** What an executor returns for a planted run: it "exited" at once, successfully. */
export const plantedExit = { exitCode: 0, lost: false, wallSeconds: 0, adopted: false } as const;
