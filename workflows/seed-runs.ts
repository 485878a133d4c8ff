import {
  ActivityFailure,
  ApplicationFailure,
  isCancellation,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, DispatchActivities } from '../activities/types.js';
import type { ExecutorName } from '../core/campaign-spec.js';
import { type ExperimentSpec, withRunWallLimit } from '../core/experiment-spec.js';
import { dispatchQueueFor, runIdOf, type SeedRunSummary } from './definitions.js';

const store = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

/** Failure kinds that another attempt cannot fix: the spec or the agent's code is at fault. */
// A run killed at its wall-clock or resource limit would only be killed again.
export const DETERMINISTIC_FAILURES = new Set([
  'invalid_spec',
  'hook_error',
  'nan_loss',
  'timeout',
  'resource_limit',
]);

/** What a seed run needs: the experiment (or promotion arm) it belongs to and how to run it. */
export interface SeedRunInput {
  readonly experimentId: string;
  readonly taskId: string;
  readonly spec: ExperimentSpec;
  readonly executor: ExecutorName;
  readonly maxRunAttempts: number;
  /** The campaign's wall-clock limit per run, if it sets one. */
  readonly maxRunWallSeconds?: number;
}

/** The executor activities, on the dispatch queue paired with this workflow's queue. */
export function dispatchActivities(): DispatchActivities {
  return proxyActivities<DispatchActivities>({
    taskQueue: dispatchQueueFor(workflowInfo().taskQueue),
    // A trainer run may queue for a slot and then train; the heartbeat catches a dead worker.
    startToCloseTimeout: '6 hours',
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: '2 seconds',
      maximumInterval: '1 minute',
      backoffCoefficient: 2,
      maximumAttempts: 20,
    },
  });
}

/**
 * Trains one seed of an experiment: each attempt is a run of its own (`<experiment>-s<seed>-a<n>`),
 * retried up to `maxRunAttempts` unless the failure is deterministic.
 */
export async function runSeed(
  input: SeedRunInput,
  seed: number,
  dispatch: DispatchActivities,
): Promise<{ summary: SeedRunSummary; gpuSeconds: number }> {
  let gpuSeconds = 0;
  let failureKind = 'internal';
  let attempt = 0;
  while (attempt < input.maxRunAttempts) {
    attempt += 1;
    const runId = runIdOf(input.experimentId, seed, attempt);
    await store.createRun({
      runId,
      experimentId: input.experimentId,
      seed,
      attempt,
      executor: input.executor,
    });
    let exit: Awaited<ReturnType<DispatchActivities['executeRun']>>;
    try {
      exit = await dispatch.executeRun({
        runId,
        taskId: input.taskId,
        spec: withRunWallLimit({ ...input.spec, seed }, input.maxRunWallSeconds),
        executor: input.executor,
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      if (
        error instanceof ActivityFailure &&
        error.cause instanceof ApplicationFailure &&
        error.cause.nonRetryable
      ) {
        // The executor refused the run outright (for example an unknown task): no attempt can succeed.
        await store.failRun({ runId, kind: 'internal', message: error.cause.message });
        return {
          summary: { seed, attempts: attempt, status: 'failed', failureKind: 'internal' },
          gpuSeconds,
        };
      }
      throw error;
    }
    const result = await store.collectRun({
      runId,
      exitCode: exit.exitCode,
      lost: exit.lost,
      wallSeconds: exit.wallSeconds,
      gpus: input.spec.resources?.gpus ?? 1,
      ...(exit.failure ? { failure: exit.failure } : {}),
    });
    gpuSeconds += result.gpuSeconds;
    if (result.status === 'succeeded')
      return { summary: { seed, attempts: attempt, status: 'succeeded' }, gpuSeconds };
    failureKind = result.failureKind;
    if (DETERMINISTIC_FAILURES.has(failureKind)) break;
  }
  return { summary: { seed, attempts: attempt, status: 'failed', failureKind }, gpuSeconds };
}
