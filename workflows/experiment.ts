import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, DispatchActivities } from '../activities/types.js';
import {
  dispatchQueueFor,
  type ExperimentInput,
  type ExperimentOutcome,
  runIdOf,
  type SeedRunSummary,
} from './definitions.js';

const store = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

/** Failure kinds that another attempt cannot fix: the spec or the agent's code is at fault. */
const DETERMINISTIC_FAILURES = new Set(['invalid_spec', 'hook_error', 'nan_loss']);

/**
 * Runs one experiment: every seed in parallel through the executor (a failed seed run is retried
 * up to `maxRunAttempts`, each attempt a run of its own), then submits the seeds to the eval
 * server as one submission and records the outcome. An invalid spec or a broken hook ends the
 * experiment with a clear reason; the researcher goes on.
 */
export async function experimentWorkflow(input: ExperimentInput): Promise<ExperimentOutcome> {
  const dispatch = proxyActivities<DispatchActivities>({
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

  await store.startExperiment(input);
  try {
    const runs = await Promise.all(input.seeds.map((seed) => runSeed(input, seed, dispatch)));
    const gpuSeconds = runs.reduce((sum, r) => sum + r.gpuSeconds, 0);
    const summaries = runs.map((r) => r.summary);
    const deterministic = summaries.find((r) => r.failureKind && DETERMINISTIC_FAILURES.has(r.failureKind));
    if (deterministic) {
      const reason = await store.describeRunFailure(
        runIdOf(input.experimentId, deterministic.seed, deterministic.attempts),
      );
      return await store.finishExperiment({
        experimentId: input.experimentId,
        status: deterministic.failureKind === 'nan_loss' ? 'failed' : 'invalid',
        reason,
        gpuSeconds,
        runs: summaries,
      });
    }
    const failed = summaries.filter((r) => r.status === 'failed');
    if (failed.length > 0) {
      return await store.finishExperiment({
        experimentId: input.experimentId,
        status: 'failed',
        reason: `${failed.length} of ${summaries.length} seed runs failed after ${input.maxRunAttempts} attempts (seeds ${failed.map((f) => f.seed).join(', ')})`,
        gpuSeconds,
        runs: summaries,
      });
    }
    if (input.noEval) {
      return await store.finishExperiment({
        experimentId: input.experimentId,
        status: 'unscored',
        reason: 'marked no-eval: trained but not submitted',
        gpuSeconds,
        runs: summaries,
      });
    }
    let score: Awaited<ReturnType<typeof store.submitExperiment>>;
    try {
      score = await store.submitExperiment({
        experimentId: input.experimentId,
        campaignId: input.campaignId,
        agentId: input.agentId,
        runIds: summaries.map((r) => runIdOf(input.experimentId, r.seed, r.attempts)),
      });
    } catch (error) {
      if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)) throw error;
      // The eval server refused for good (budget spent, invalid predictions): recorded, not retried.
      return await store.finishExperiment({
        experimentId: input.experimentId,
        status: 'unscored',
        reason: `the eval server refused the submission: ${error.cause.message}`.slice(0, 2000),
        gpuSeconds,
        runs: summaries,
      });
    }
    return await store.finishExperiment({
      experimentId: input.experimentId,
      status: 'scored',
      score,
      gpuSeconds,
      runs: summaries,
    });
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(() =>
        store.finishExperiment({
          experimentId: input.experimentId,
          status: 'cancelled',
          reason: 'cancelled by an operator',
          gpuSeconds: 0,
          runs: [],
        }),
      );
    }
    throw error;
  }
}

async function runSeed(
  input: ExperimentInput,
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
        spec: { ...input.spec, seed },
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
    });
    gpuSeconds += result.gpuSeconds;
    if (result.status === 'succeeded')
      return { summary: { seed, attempts: attempt, status: 'succeeded' }, gpuSeconds };
    failureKind = result.failureKind;
    if (DETERMINISTIC_FAILURES.has(failureKind)) break;
  }
  return { summary: { seed, attempts: attempt, status: 'failed', failureKind }, gpuSeconds };
}
