import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';

/**
 * Pure readings of a Job and its pods, as the executor decides what a run is doing and, when it
 * failed, why. Objects may come from the typed client (timestamps as Date) or from a watch
 * (timestamps as strings); both are accepted.
 */

type Time = Date | string | undefined;
export const ms = (t: Time): number | undefined => (t === undefined ? undefined : new Date(t).getTime());

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

export function jobCondition(job: V1Job, type: string) {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

const isTerminal = (pod: V1Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
/** Init containers first, in the order they run, then the main container. */
const allStatuses = (pod: V1Pod): V1ContainerStatus[] => [
  ...(pod.status?.initContainerStatuses ?? []),
  ...(pod.status?.containerStatuses ?? []),
];
/** A container's status by name, init or main. */
export const containerStatus = (pod: V1Pod, name: string): V1ContainerStatus | undefined =>
  allStatuses(pod).find((c) => c.name === name);
/** Waiting reasons that only say a container's turn has not come yet. */
const NOT_YET = new Set(['ContainerCreating', 'PodInitializing']);
const byNewest = (a: V1Pod, b: V1Pod) =>
  (ms(b.metadata?.creationTimestamp) ?? 0) - (ms(a.metadata?.creationTimestamp) ?? 0);

/** The Job's live pods (not finished, not being deleted), newest first. */
export function livePods(pods: readonly V1Pod[]): V1Pod[] {
  return pods.filter((p) => !isTerminal(p) && p.metadata?.deletionTimestamp === undefined).sort(byNewest);
}

/**
 * Whether a pod is on its node and running its containers: phase Running, or still Pending
 * while its init containers (`fetch`, then the student's whole run) run or have run.
 */
export function podStarted(pod: V1Pod): boolean {
  if (pod.status?.phase === 'Running') return true;
  // `fetch` ran, but the student's image cannot be pulled: that is stuck, not running.
  if (allStatuses(pod).some((c) => STUCK_WAITING.has(c.state?.waiting?.reason ?? ''))) return false;
  return (pod.status?.initContainerStatuses ?? []).some(
    (c) => c.state?.running !== undefined || c.state?.terminated !== undefined,
  );
}

/** Whether a run is under way in one of the Job's pods (its init containers count). */
export function isRunning(pods: readonly V1Pod[]): boolean {
  return livePods(pods).some(podStarted);
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
 * The pending state of an unfinished Job: null when its pod runs. A run is pending from its
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
  // The first container that waits for more than its turn (an image that cannot be pulled).
  const waiting = allStatuses(pod)
    .map((c) => c.state?.waiting)
    .find((w) => w?.reason !== undefined && !NOT_YET.has(w.reason));
  if (waiting?.reason) {
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
    reason: `${pod.status?.phase ?? 'Pending'}: the pod is starting`,
    stuck: false,
    metricReason: 'Other',
  };
}
