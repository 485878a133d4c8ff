import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities/types.js';
import { type ExperimentInput, type ExperimentOutcome, runIdOf } from './definitions.js';
import { DETERMINISTIC_FAILURES, dispatchActivities, runSeed } from './seed-runs.js';

const store = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

/**
 * Runs one experiment: every seed in parallel through the executor (a failed seed run is retried
 * up to `maxRunAttempts`, each attempt a run of its own), then submits the seeds to the eval
 * server as one submission and records the outcome. An invalid spec or a broken hook ends the
 * experiment with a clear reason; the researcher goes on.
 */
export async function experimentWorkflow(input: ExperimentInput): Promise<ExperimentOutcome> {
  const dispatch = dispatchActivities();

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
