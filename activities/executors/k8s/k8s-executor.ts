import type { V1Job } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/activity';
import type { Logger } from '../../../runtime/logger.js';
import { deriveRunToken } from '../../../runtime/run-token.js';
import type { DispatchMetrics } from '../../metrics.js';
import type { Executor, RunExit, RunRequest } from '../executor.js';
import { MAX_BUNDLE_TOKEN_TTL_S, type MintBundleToken } from './eval-run-token.js';
import { createJobFollower, type Launched } from './job-follower.js';
import { ANNOTATIONS, belongsToRun, jobNameFor } from './job-identity.js';
import { buildJobManifest, buildRunSecret, ModelVolumeError } from './job-manifest.js';
import type { K8sJobSettings } from './job-settings.js';
import { jobOutcome } from './job-status.js';
import { createJobWatch } from './job-watch.js';
import { apiMessage, isApiStatus, type K8sGateway } from './k8s-gateway.js';
import { type IsWorkflowOpen, reapOrphans } from './orphan-reaper.js';

export interface K8sExecutorDeps {
  readonly gateway: K8sGateway;
  readonly settings: K8sJobSettings;
  readonly runTokenKey: string;
  readonly mintBundleToken: MintBundleToken;
  readonly logger: Logger;
  readonly metrics: DispatchMetrics;
  /** Tells the api server a run's Job was created (status and launch count); best effort. */
  readonly reportStarted: (runId: string, externalId: string) => Promise<void>;
  /** A run whose pod has not run this long is reported; an unpullable image then fails it. */
  readonly pendingLimitMs: number;
  /** Heartbeat and look-again interval when no event arrives (default 5 s). */
  readonly pollMs?: number;
  /** A GET of the Job at least this often, even when the informer is quiet (default 30 s). */
  readonly resyncMs?: number;
  /** How long a cancelled run waits for its Job and pods to be gone (default 120 s). */
  readonly cancelWaitMs?: number;
  /**
   * When given, Jobs whose launching workflow is closed are deleted (see `reapOrphans`): at start
   * and every `reapEveryMs` (default 5 min).
   */
  readonly isWorkflowOpen?: IsWorkflowOpen;
  readonly reapEveryMs?: number;
}

export interface K8sExecutor extends Executor {
  /** Stops the informers (the Jobs keep running; a later worker re-attaches). */
  close(): Promise<void>;
}

/**
 * Runs each trainer run as a batch/v1 Job (see `buildJobManifest`). Idempotent by name: a
 * retried or re-delivered activity finds the Job of its run and re-attaches (never a second
 * Job); a Job that vanished after an earlier attempt launched it is reported lost, not
 * relaunched. It waits on shared informers, confirms every ending with a GET, deletes the Job
 * (foreground) when the workflow cancels the run, and leaves it running when only the worker
 * goes away.
 */
export function createK8sExecutor(deps: K8sExecutorDeps): K8sExecutor {
  const { gateway, logger, metrics } = deps;
  const watch = createJobWatch(gateway, logger, metrics);
  const { follow, vanished } = createJobFollower({
    gateway,
    watch,
    logger,
    metrics,
    pendingLimitMs: deps.pendingLimitMs,
    pollMs: deps.pollMs ?? 5000,
    resyncMs: deps.resyncMs ?? 30_000,
    cancelWaitMs: deps.cancelWaitMs ?? 120_000,
    gpuResource: deps.settings.gpuResource,
  });
  const reaper = deps.isWorkflowOpen
    ? startReaper(deps.isWorkflowOpen, deps.reapEveryMs ?? 300_000)
    : undefined;

  function startReaper(isWorkflowOpen: IsWorkflowOpen, everyMs: number) {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const round = async () => {
      try {
        await watch.start();
        if (watch.synced()) await reapOrphans(watch.jobs(), { gateway, isWorkflowOpen, logger });
      } catch (error) {
        logger.warn({ err: String(error) }, 'orphan reaping failed');
      }
      if (!stopped) timer = setTimeout(round, everyMs).unref();
    };
    timer = setTimeout(round, 0).unref();
    return {
      stop() {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }

  async function attach(
    request: RunRequest,
    name: string,
    previous: Launched | undefined,
    workflowId: string | undefined,
  ) {
    const existing = await gateway.readJob(name);
    if (existing !== null) return { job: ownJob(existing, request.runId), adopted: true };
    if (previous !== undefined) return null;
    let manifest: ReturnType<typeof buildJobManifest>;
    try {
      manifest = buildJobManifest({ ...request, ...(workflowId ? { workflowId } : {}) }, deps.settings);
    } catch (error) {
      if (error instanceof ModelVolumeError)
        throw ApplicationFailure.nonRetryable(error.message, 'ModelVolumeUnavailable');
      // A seed or wall-clock limit the pod's command cannot carry: no attempt can succeed.
      if (error instanceof RangeError) throw ApplicationFailure.nonRetryable(error.message, 'K8sJobInvalid');
      throw error;
    }
    try {
      const job = await gateway.createJob(manifest);
      metrics.runsLaunched.inc({ executor: 'k8s' });
      logger.info({ runId: request.runId, jobName: name }, 'job created');
      return { job, adopted: false };
    } catch (error) {
      if (isApiStatus(error, 409)) {
        const raced = await gateway.readJob(name);
        if (raced !== null) return { job: ownJob(raced, request.runId), adopted: true };
      }
      if (isApiStatus(error, 400) || isApiStatus(error, 422))
        throw ApplicationFailure.nonRetryable(
          `the API server rejected Job ${name}: ${apiMessage(error)}`,
          'K8sJobInvalid',
        );
      if (isApiStatus(error, 404))
        throw ApplicationFailure.nonRetryable(
          `cannot create Job ${name}: namespace ${gateway.namespace} does not exist (AAR_K8S_NAMESPACE)`,
          'K8sNamespaceMissing',
        );
      throw new Error(`creating Job ${name} failed: ${apiMessage(error)}`);
    }
  }

  /**
   * Tells the api server that the run started (its status and launch count), at most once per
   * Job: the Job is marked first, so a worker that adopts it never counts the launch again. (The
   * api counts every report, so marking after reporting could count one launch twice; this way a
   * worker killed between the two leaves it uncounted instead.)
   */
  async function reportLaunch(runId: string, job: V1Job): Promise<void> {
    if (job.metadata?.annotations?.[ANNOTATIONS.launchReported] !== undefined) return;
    const name = job.metadata!.name!;
    try {
      await gateway.annotateJob(name, { [ANNOTATIONS.launchReported]: new Date().toISOString() });
    } catch (error) {
      logger.warn({ jobName: name, err: String(error) }, 'could not mark the launch as reported');
      return;
    }
    await deps.reportStarted(runId, `job:${gateway.namespace}/${name}`);
  }

  function ownJob(job: V1Job, runId: string): V1Job {
    if (belongsToRun(job.metadata, runId)) return job;
    throw ApplicationFailure.nonRetryable(
      `Job ${job.metadata?.name} in namespace ${gateway.namespace} exists but was not made for run ${runId} ` +
        `(labels ${JSON.stringify(job.metadata?.labels ?? {})}); it is left alone. Delete it or use another namespace.`,
      'K8sJobConflict',
    );
  }

  async function ensureSecret(request: RunRequest, job: V1Job): Promise<void> {
    const name = job.metadata!.name!;
    const existing = await gateway.readSecret(name);
    if (existing !== null) {
      if (belongsToRun(existing.metadata, request.runId)) return;
      throw ApplicationFailure.nonRetryable(
        `Secret ${name} in namespace ${gateway.namespace} exists but was not made for run ${request.runId}`,
        'K8sJobConflict',
      );
    }
    // The pod may need the bundle again after a preemption: the token lives as long as the Job
    // may. A Job queued by Kueue may wait any time before its deadline starts: the longest TTL.
    const ttl = deps.settings.queueName
      ? MAX_BUNDLE_TOKEN_TTL_S
      : deps.settings.activeDeadlineSeconds + deps.pendingLimitMs / 1000 + 3600;
    const bundle = await deps.mintBundleToken(request.taskId, ttl);
    const upload = deriveRunToken(deps.runTokenKey, request.runId);
    const owner = { name, uid: job.metadata!.uid! };
    await gateway.createSecret(buildRunSecret(request, owner, { upload, bundle }, deps.settings));
  }

  return {
    async execute(request, context): Promise<RunExit> {
      const name = jobNameFor(request.runId);
      await watch.start();
      const details = context.info.heartbeatDetails as Partial<Launched> | undefined;
      const previous = details?.jobName === name && details.jobUid ? (details as Launched) : undefined;
      const attached = await attach(request, name, previous, context.info.workflowExecution?.workflowId);
      if (attached === null) return vanished(request.runId, name, true);
      const { job, adopted } = attached;
      if (adopted) {
        metrics.runsAdopted.inc({ executor: 'k8s' });
        logger.info({ runId: request.runId, jobName: name }, 'job adopted');
      }
      if (jobOutcome(job) === null) await ensureSecret(request, job);
      await reportLaunch(request.runId, job);
      return await follow(request, job, adopted, context);
    },
    async close() {
      reaper?.stop();
      await watch.stop();
    },
  };
}
