import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import { type FailureKind, TRAINER_EXIT_CODES } from '../../../core/result-bundle.js';
import { TRAINER_CONTAINER } from './job-identity.js';

/**
 * Pure readings of a Job and its pods, as the executor decides what a run is doing and, when it
 * failed, why. Objects may come from the typed client (timestamps as Date) or from a watch
 * (timestamps as strings); both are accepted.
 */

type Time = Date | string | undefined;
const ms = (t: Time): number | undefined => (t === undefined ? undefined : new Date(t).getTime());

/** Reasons a pod did not run or ended badly, as bounded metric labels. */
export const POD_FAILURE_REASONS = [
  'OOMKilled',
  'Evicted',
  'Preempted',
  'ImagePullBackOff',
  'Unschedulable',
  'DeadlineExceeded',
  'Error',
  'Other',
] as const;
export type PodFailureReason = (typeof POD_FAILURE_REASONS)[number];

/** Waiting reasons that do not heal by waiting: past the pending limit they fail the run. */
const STUCK_WAITING = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

export type JobOutcome = 'complete' | 'failed';

/** `complete` or `failed` once the Job controller has set its final condition; null before. */
export function jobOutcome(job: V1Job): JobOutcome | null {
  const conditions = job.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'complete';
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'failed';
  return null;
}

function jobCondition(job: V1Job, type: string) {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

const isTerminal = (pod: V1Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
const trainerStatus = (pod: V1Pod): V1ContainerStatus | undefined =>
  pod.status?.containerStatuses?.find((c) => c.name === TRAINER_CONTAINER);
const byNewest = (a: V1Pod, b: V1Pod) =>
  (ms(b.metadata?.creationTimestamp) ?? 0) - (ms(a.metadata?.creationTimestamp) ?? 0);

/** The Job's live pods (not finished, not being deleted), newest first. */
export function livePods(pods: readonly V1Pod[]): V1Pod[] {
  return pods.filter((p) => !isTerminal(p) && p.metadata?.deletionTimestamp === undefined).sort(byNewest);
}

/** Whether the trainer is running in one of the Job's pods. */
export function isRunning(pods: readonly V1Pod[]): boolean {
  return livePods(pods).some((p) => p.status?.phase === 'Running');
}

/** A pod that failed because it was preempted, evicted or drained (it does not count). */
export function wasDisrupted(pod: V1Pod): boolean {
  return (
    pod.status?.phase === 'Failed' &&
    (pod.status.conditions ?? []).some((c) => c.type === 'DisruptionTarget' && c.status === 'True')
  );
}

/** The newest pod that failed on its own (not preempted or evicted): the one a failure is about. */
export function lastFailedPod(pods: readonly V1Pod[]): V1Pod | undefined {
  return pods.filter((p) => p.status?.phase === 'Failed' && !wasDisrupted(p)).sort(byNewest)[0];
}

/** Why a run is not running yet, and since when. */
export interface PendingState {
  readonly sinceMs: number;
  readonly reason: string;
  /** True when waiting cannot help (an image that cannot be pulled, a missing Secret key). */
  readonly stuck: boolean;
  readonly metricReason: PodFailureReason;
}

/**
 * The pending state of an unfinished Job: null when its trainer runs. A run is pending from its
 * current pod's creation (or the Job's, before it has one) until that pod runs.
 */
export function pendingState(job: V1Job, pods: readonly V1Pod[]): PendingState | null {
  if (jobOutcome(job) !== null || isRunning(pods)) return null;
  const jobSince = ms(job.status?.startTime) ?? ms(job.metadata?.creationTimestamp) ?? Date.now();
  if (job.spec?.suspend === true) {
    const suspended = jobCondition(job, 'Suspended');
    return {
      sinceMs: ms(suspended?.lastTransitionTime) ?? ms(job.metadata?.creationTimestamp) ?? jobSince,
      reason: 'Suspended: the Job waits for admission (Kueue) or was suspended',
      stuck: false,
      metricReason: 'Unschedulable',
    };
  }
  const pod = livePods(pods)[0];
  if (pod === undefined)
    return {
      sinceMs: jobSince,
      reason: 'NoPod: the Job has no pod yet',
      stuck: false,
      metricReason: 'Other',
    };
  const sinceMs = ms(pod.metadata?.creationTimestamp) ?? jobSince;
  const waiting = trainerStatus(pod)?.state?.waiting;
  if (waiting?.reason && waiting.reason !== 'ContainerCreating') {
    const stuck = STUCK_WAITING.has(waiting.reason);
    return {
      sinceMs,
      reason: `${waiting.reason}: ${waiting.message ?? ''}`.trim(),
      stuck,
      metricReason: waiting.reason.includes('Image') ? 'ImagePullBackOff' : 'Other',
    };
  }
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False') {
    return {
      sinceMs,
      reason: `${scheduled.reason ?? 'Unscheduled'}: ${scheduled.message ?? ''}`.trim(),
      stuck: false,
      metricReason: 'Unschedulable',
    };
  }
  return {
    sinceMs,
    reason: `${waiting?.reason ?? pod.status?.phase ?? 'Pending'}: the pod is starting`,
    stuck: false,
    metricReason: 'Other',
  };
}

const EXIT_KINDS = new Map<number, FailureKind>(
  (Object.entries(TRAINER_EXIT_CODES) as [FailureKind | 'succeeded', number][])
    .filter(([kind]) => kind !== 'succeeded')
    .map(([kind, code]) => [code, kind as FailureKind]),
);

/** How a finished Job ended: exit code, failure for the record, reason for the metric. */
export interface JobEnding {
  readonly exitCode: number | null;
  readonly wallSeconds: number;
  readonly failure?: { readonly kind: FailureKind; readonly message: string; readonly detail?: string };
  readonly metricReason?: PodFailureReason;
}

/** Wall time of a Job: from its start to its final condition (or `nowMs` while it runs). */
export function jobWallSeconds(job: V1Job, nowMs: number): number {
  const start = ms(job.status?.startTime) ?? ms(job.metadata?.creationTimestamp) ?? nowMs;
  const end =
    ms(job.status?.completionTime) ??
    ms(jobCondition(job, 'Failed')?.lastTransitionTime) ??
    ms(jobCondition(job, 'Complete')?.lastTransitionTime) ??
    nowMs;
  return Math.max(0, (end - start) / 1000);
}

/** What the executor saw before the Job ended, for its failure report. */
export interface EndingContext {
  /** The last lines of the trainer's log, when the API could give them. */
  readonly logTail?: string;
  /** Set when the trainer was never seen running: why it was waiting (used for a deadline). */
  readonly neverRan?: PendingState;
}

/**
 * Reads a finished Job: exit code 0 when it completed; otherwise the exit code of its newest
 * failed pod and a failure that says why (OOMKilled, Evicted, ImagePullBackOff, Unschedulable,
 * DeadlineExceeded, the trainer's own exit code), with the log tail as its detail.
 */
export function describeEnding(
  job: V1Job,
  pods: readonly V1Pod[],
  nowMs: number,
  seen: EndingContext = {},
): JobEnding {
  const wallSeconds = jobWallSeconds(job, nowMs);
  if (jobOutcome(job) === 'complete') return { exitCode: 0, wallSeconds };
  const failed = jobCondition(job, 'Failed');
  const jobWhy = `Job ${job.metadata?.name} failed (${failed?.reason ?? 'no reason given'}${failed?.message ? `: ${failed.message}` : ''})`;
  const pod = lastFailedPod(pods);
  const status = pod ? trainerStatus(pod) : undefined;
  const terminated = status?.state?.terminated ?? status?.lastState?.terminated;
  const detail = (terminated?.message?.trim() || seen.logTail?.trim() || undefined)?.slice(-4000);
  const withDetail = detail ? { detail } : {};
  const podName = pod?.metadata?.name;
  const deadline = failed?.reason === 'DeadlineExceeded';
  if (terminated === undefined || (deadline && seen.neverRan !== undefined)) {
    // No trainer ever ran to its end: the Job ran out of time while its pod waited (the pod that
    // was killed then may show a terminated state, but its trainer never started).
    const waiting = seen.neverRan;
    const metricReason: PodFailureReason =
      waiting?.metricReason === 'ImagePullBackOff' || waiting?.metricReason === 'Unschedulable'
        ? waiting.metricReason
        : failed?.reason === 'DeadlineExceeded'
          ? 'DeadlineExceeded'
          : 'Other';
    return {
      exitCode: null,
      wallSeconds,
      metricReason,
      failure: {
        kind: 'internal',
        message: `${jobWhy}${waiting ? `; the trainer never ran: ${waiting.reason}` : ''}`,
        ...withDetail,
      },
    };
  }
  const exitCode = terminated.exitCode;
  if (pod?.status?.reason === 'Evicted') {
    return {
      exitCode,
      wallSeconds,
      metricReason: 'Evicted',
      failure: {
        kind: 'internal',
        message: `pod ${podName} was Evicted: ${pod.status.message ?? ''}`.trim(),
        ...withDetail,
      },
    };
  }
  if (terminated.reason === 'OOMKilled') {
    return {
      exitCode,
      wallSeconds,
      metricReason: 'OOMKilled',
      failure: {
        kind: 'out_of_memory',
        message: `pod ${podName} was OOMKilled (exit code ${exitCode}): the trainer exceeded its memory limit`,
        ...withDetail,
      },
    };
  }
  const kind = EXIT_KINDS.get(exitCode) ?? 'internal';
  return {
    exitCode,
    wallSeconds,
    metricReason: failed?.reason === 'DeadlineExceeded' ? 'DeadlineExceeded' : 'Error',
    failure: {
      kind,
      message: `the trainer exited with code ${exitCode} (${kind}${terminated.reason ? `, ${terminated.reason}` : ''}) in pod ${podName}; ${jobWhy}`,
      ...withDetail,
    },
  };
}
