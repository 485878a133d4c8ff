import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { CancelledFailure, type Context } from '@temporalio/activity';
import type { Logger } from '../../../runtime/logger.js';
import type { DispatchMetrics } from '../../metrics.js';
import { FINAL_CANCELS, type RunExit, type RunRequest } from '../executor.js';
import { describeEnding, jobGpus, jobWallSeconds } from './job-ending.js';
import { isRunning, jobOutcome, lastFailedPod, pendingState, wasDisrupted } from './job-status.js';
import type { JobWatch } from './job-watch.js';
import type { K8sGateway } from './k8s-gateway.js';
import { PendingTracker } from './pending-tracker.js';

/** What the activity heartbeats: a retried attempt reads it to know that a Job was launched. */
export interface Launched {
  readonly jobName: string;
  readonly jobUid: string;
}

export interface JobFollowerDeps {
  readonly gateway: K8sGateway;
  readonly watch: JobWatch;
  readonly logger: Logger;
  readonly metrics: DispatchMetrics;
  readonly pendingLimitMs: number;
  readonly pollMs: number;
  readonly resyncMs: number;
  readonly cancelWaitMs: number;
  /** The extended resource GPUs are requested by (the GPUs of a RunExit are read from the Job). */
  readonly gpuResource: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Watches one run's Job until it ends, heartbeating: wakes on informer events (or every `pollMs`),
 * reads from the API whenever the informers are down and at least every `resyncMs`, confirms an
 * ending with a GET, reports a run pending too long, fails one whose image cannot be pulled, and
 * on cancellation deletes the Job (only when the workflow asked for it).
 */
export function createJobFollower(deps: JobFollowerDeps) {
  const { gateway, watch, logger, metrics, pollMs, resyncMs, cancelWaitMs } = deps;

  async function cancel(name: string, runId: string, reason: string): Promise<never> {
    if (!FINAL_CANCELS.has(reason)) {
      logger.info({ runId, jobName: name, reason }, 'stopped watching; the Job keeps running');
      throw new CancelledFailure(reason);
    }
    const deadline = Date.now() + cancelWaitMs;
    for (;;) {
      try {
        await gateway.deleteJob(name, 'Foreground');
        if ((await gateway.readJob(name)) === null && (await gateway.listJobPods(name)).length === 0) break;
      } catch (error) {
        logger.warn({ jobName: name, err: String(error) }, 'deleting the Job failed; trying again');
      }
      if (Date.now() > deadline) {
        logger.error({ runId, jobName: name }, 'the Job was not gone in time after cancellation');
        break;
      }
      await sleep(500);
    }
    logger.info({ runId, jobName: name }, 'job deleted on cancellation');
    throw new CancelledFailure(reason);
  }

  async function follow(request: RunRequest, initial: V1Job, adopted: boolean, context: Context) {
    const name = initial.metadata!.name!;
    const launched: Launched = { jobName: name, jobUid: initial.metadata!.uid! };
    const pending = new PendingTracker(
      { gateway, logger, metrics, limitMs: deps.pendingLimitMs },
      name,
      request.runId,
    );
    const disrupted = new Set<string>();
    let cancelReason: string | undefined;
    context.cancelled.catch((error: unknown) => {
      cancelReason = error instanceof Error ? error.message : 'CANCELLED';
    });
    // An event while the loop is busy must not be lost: it leaves `woken` set for the next wait.
    let woken = false;
    let wake: () => void = () => undefined;
    const unsubscribe = watch.subscribe(name, () => {
      woken = true;
      wake();
    });
    let sawRunning = false;
    let lastGetMs = 0;
    try {
      for (;;) {
        if (context.cancellationSignal.aborted)
          return await cancel(name, request.runId, cancelReason ?? 'CANCELLED');
        let job: V1Job | null | undefined;
        let pods: V1Pod[];
        if (!watch.synced() || Date.now() - lastGetMs >= resyncMs || watch.job(name) === undefined) {
          job = await gateway.readJob(name);
          pods = job === null ? [] : await gateway.listJobPods(name);
          lastGetMs = Date.now();
        } else {
          job = watch.job(name);
          pods = watch.pods(name);
        }
        if (job === null || job === undefined) return vanished(request.runId, name, adopted);
        if (jobOutcome(job) !== null) {
          // The cache says it ended: confirm with the API server before deciding anything.
          const confirmed = await gateway.readJob(name);
          if (confirmed === null) return vanished(request.runId, name, adopted);
          if (jobOutcome(confirmed) !== null)
            return await finish(confirmed, await gateway.listJobPods(name), adopted, sawRunning, pending);
          lastGetMs = 0;
          continue;
        }
        for (const pod of pods) {
          const uid = pod.metadata?.uid ?? '';
          if (wasDisrupted(pod) && !disrupted.has(uid)) {
            disrupted.add(uid);
            metrics.podFailures.inc({ executor: 'k8s', reason: 'Preempted' });
            logger.info(
              { runId: request.runId, jobName: name, pod: pod.metadata?.name },
              'pod disrupted; the Job replaces it without counting it',
            );
          }
        }
        const running = isRunning(pods);
        if (running && !sawRunning) {
          sawRunning = true;
          if (!adopted)
            metrics.runQueueSeconds.observe(
              { executor: 'k8s' },
              Math.max(0, (Date.now() - Date.parse(String(job.metadata?.creationTimestamp))) / 1000),
            );
        }
        const state = running ? null : pendingState(job, pods);
        const tooLong = await pending.observe(state, Date.now());
        if (tooLong && state?.stuck)
          return await failStuck(request.runId, job, state.reason, adopted, pending);
        context.heartbeat({
          ...launched,
          phase: running ? 'running' : 'pending',
          ...(state
            ? {
                pendingSeconds: Math.round((Date.now() - state.sinceMs) / 1000),
                pendingReason: state.reason,
                pendingTooLong: tooLong,
              }
            : {}),
        });
        if (!woken)
          await Promise.race([
            sleep(pollMs),
            new Promise<void>((r) => {
              wake = r;
            }),
            context.cancelled.catch(() => undefined),
          ]);
        woken = false;
      }
    } finally {
      unsubscribe();
      await pending.clear(false);
    }
  }

  async function finish(
    job: V1Job,
    pods: V1Pod[],
    adopted: boolean,
    sawRunning: boolean,
    pending: PendingTracker,
  ): Promise<RunExit> {
    const now = Date.now();
    const neverRan = sawRunning ? undefined : pending.last;
    let ending = describeEnding(job, pods, now, neverRan ? { neverRan } : {});
    const failedPod = lastFailedPod(pods);
    // The student's log explains an exit code `upload` passes on, even when the uploader left a message.
    const wantsLog =
      ending.logContainer !== undefined &&
      (ending.failure?.detail === undefined || ending.logContainer !== ending.culprit);
    if (ending.failure !== undefined && wantsLog && failedPod?.metadata?.name) {
      const logTail = await gateway.podLogTail(failedPod.metadata.name, ending.logContainer!, 20);
      if (logTail !== undefined)
        ending = describeEnding(job, pods, now, { logTail, ...(neverRan ? { neverRan } : {}) });
    }
    const ok = ending.exitCode === 0 && ending.failure === undefined;
    metrics.runDuration.observe({ executor: 'k8s', result: ok ? 'ok' : 'error' }, ending.wallSeconds);
    if (ending.metricReason) metrics.podFailures.inc({ executor: 'k8s', reason: ending.metricReason });
    logger.info(
      { jobName: job.metadata?.name, exitCode: ending.exitCode, failure: ending.failure?.message },
      'job finished',
    );
    return {
      exitCode: ending.exitCode,
      lost: false,
      wallSeconds: ending.wallSeconds,
      gpus: jobGpus(job, deps.gpuResource),
      adopted,
      ...(ending.failure ? { failure: ending.failure } : {}),
    };
  }

  async function failStuck(
    runId: string,
    job: V1Job,
    reason: string,
    adopted: boolean,
    pending: PendingTracker,
  ): Promise<RunExit> {
    const name = job.metadata!.name!;
    await gateway.deleteJob(name, 'Background');
    await pending.clear(false);
    logger.warn({ runId, jobName: name, reason }, 'job deleted: its pod cannot start');
    return {
      exitCode: null,
      lost: false,
      wallSeconds: jobWallSeconds(job, Date.now()),
      gpus: jobGpus(job, deps.gpuResource),
      adopted,
      failure: {
        kind: 'internal',
        message: `the trainer pod of Job ${name} could not start within ${Math.round(deps.pendingLimitMs / 1000)}s and the Job was deleted: ${reason}`,
      },
    };
  }

  function vanished(runId: string, name: string, adopted: boolean): RunExit {
    logger.warn({ runId, jobName: name }, 'job vanished before its end was seen');
    return {
      exitCode: null,
      lost: true,
      wallSeconds: 0,
      adopted,
      failure: {
        kind: 'internal',
        message: `Job ${name} was deleted before it finished (by an operator, or by ttlSecondsAfterFinished while no worker watched)`,
      },
    };
  }

  return { follow, vanished };
}
