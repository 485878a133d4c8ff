import type { V1ContainerStateTerminated, V1Job, V1Pod } from '@kubernetes/client-node';
import { type FailureKind, TRAINER_EXIT_CODES } from '../../../core/result-bundle.js';
import { CONTAINERS } from './job-identity.js';
import {
  containerStatus,
  jobCondition,
  jobOutcome,
  lastFailedPod,
  ms,
  type PendingState,
  type PodFailureReason,
} from './job-status.js';

/**
 * Pure readings of a finished Job: its exit code, wall time and GPUs, and why it failed, from the
 * statuses of its three containers (`fetch`, `student`, `upload`; see `buildRunPodSpec`).
 */

/** `timeout` exits with this code when the student ran past its wall-clock limit. */
export const TIMEOUT_EXIT_CODE = 124;
/** 128 + SIGKILL: the student was killed (its memory, or SIGTERM ignored at its limit). */
export const SIGKILL_EXIT_CODE = 137;

const EXIT_KINDS = new Map<number, FailureKind>(
  (Object.entries(TRAINER_EXIT_CODES) as [FailureKind | 'succeeded', number][])
    .filter(([kind]) => kind !== 'succeeded')
    .map(([kind, code]) => [code, kind as FailureKind]),
);

/** The failure kind of the student's exit code (which `upload` exits with). */
export function kindOfExitCode(code: number): FailureKind {
  if (code === TIMEOUT_EXIT_CODE) return 'timeout';
  if (code === SIGKILL_EXIT_CODE) return 'resource_limit';
  return EXIT_KINDS.get(code) ?? 'internal';
}

/** How a finished Job ended: exit code, failure for the record, reason for the metric. */
export interface JobEnding {
  readonly exitCode: number | null;
  readonly wallSeconds: number;
  readonly failure?: { readonly kind: FailureKind; readonly message: string; readonly detail?: string };
  readonly metricReason?: PodFailureReason;
  /** The container the failure is about (`fetch`, `student` or `upload`). */
  readonly culprit?: string;
  /** The container whose log explains the failure, when the caller should read its tail. */
  readonly logContainer?: string;
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

/**
 * The GPUs a Job's pod holds (its effective request: the largest init container's, or the sum of
 * the main containers', whichever is more), so GPU-seconds are the executor's own figure.
 */
export function jobGpus(job: V1Job, gpuResource: string): number {
  const spec = job.spec?.template.spec;
  const gpus = (c: { resources?: { requests?: Record<string, string> } }) =>
    Number(c.resources?.requests?.[gpuResource] ?? 0) || 0;
  const init = Math.max(0, ...(spec?.initContainers ?? []).map(gpus));
  const main = (spec?.containers ?? []).reduce((sum, c) => sum + gpus(c), 0);
  return Math.max(init, main);
}

/** What the executor saw before the Job ended, for its failure report. */
export interface EndingContext {
  /** The last lines of the log of the ending's `logContainer`, when the API could give them. */
  readonly logTail?: string;
  /** Set when the run was never seen running: why it was waiting (used for a deadline). */
  readonly neverRan?: PendingState;
}

interface Culprit {
  readonly container: string;
  readonly terminated: V1ContainerStateTerminated;
}

const ended = (pod: V1Pod, name: string) => {
  const status = containerStatus(pod, name);
  return status?.state?.terminated ?? status?.lastState?.terminated;
};

/**
 * The container a failed pod's failure is about: `fetch` when it failed (no bundle), else the
 * `student` when its wrapper failed or the kernel killed it for memory, else `upload`, which exits
 * with the student's exit code.
 */
function culpritOf(pod: V1Pod | undefined): Culprit | undefined {
  if (pod === undefined) return undefined;
  const fetch = ended(pod, CONTAINERS.fetch);
  if (fetch !== undefined && fetch.exitCode !== 0) return { container: CONTAINERS.fetch, terminated: fetch };
  const student = ended(pod, CONTAINERS.student);
  if (student !== undefined && (student.exitCode !== 0 || student.reason === 'OOMKilled'))
    return { container: CONTAINERS.student, terminated: student };
  const upload = ended(pod, CONTAINERS.upload);
  return upload === undefined ? undefined : { container: CONTAINERS.upload, terminated: upload };
}

/**
 * Reads a finished Job: exit code 0 when it completed; otherwise the exit code of its newest
 * failed pod and a failure that says why (the bundle could not be fetched, OOMKilled, Evicted,
 * ImagePullBackOff, Unschedulable, DeadlineExceeded, the student's wall-clock limit, the
 * student's own exit code), with the kubelet's termination message or the log tail as its detail.
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
  const culprit = culpritOf(pod);
  const podName = pod?.metadata?.name;
  const deadline = failed?.reason === 'DeadlineExceeded';
  if (culprit === undefined || (deadline && seen.neverRan !== undefined)) {
    // No container ran to its end: the Job ran out of time while its pod waited (the pod that
    // was killed then may show a terminated state, but the run never started).
    const waiting = seen.neverRan;
    const metricReason: PodFailureReason =
      waiting?.metricReason === 'ImagePullBackOff' || waiting?.metricReason === 'Unschedulable'
        ? waiting.metricReason
        : deadline
          ? 'DeadlineExceeded'
          : 'Other';
    const detail = seen.logTail?.trim().slice(-4000);
    return {
      exitCode: null,
      wallSeconds,
      metricReason,
      failure: {
        kind: 'internal',
        message: `${jobWhy}${waiting ? `; the run never started: ${waiting.reason}` : ''}`,
        ...(detail ? { detail } : {}),
      },
    };
  }
  const { container, terminated } = culprit;
  // The student's own output explains the code `upload` passes on; the uploader's log comes second.
  const logContainer = container === CONTAINERS.upload ? CONTAINERS.student : container;
  const sources =
    container === CONTAINERS.upload ? [seen.logTail, terminated.message] : [terminated.message, seen.logTail];
  const detail = sources
    .map((s) => s?.trim())
    .find((s) => s)
    ?.slice(-4000);
  const withDetail = detail ? { detail } : {};
  // An OOM-killed student under its shell wrapper leaves the shell's 0: `upload` has the 137.
  const exitCode =
    terminated.exitCode === 0 ? (ended(pod!, CONTAINERS.upload)?.exitCode ?? 0) : terminated.exitCode;
  const fail = (kind: FailureKind, metricReason: PodFailureReason, message: string): JobEnding => ({
    exitCode,
    wallSeconds,
    culprit: container,
    logContainer,
    metricReason,
    failure: { kind, message, ...withDetail },
  });
  if (pod?.status?.reason === 'Evicted')
    return fail('internal', 'Evicted', `pod ${podName} was Evicted: ${pod.status.message ?? ''}`.trim());
  if (terminated.reason === 'OOMKilled' && container !== CONTAINERS.fetch)
    return fail(
      'out_of_memory',
      'OOMKilled',
      `pod ${podName} was OOMKilled (exit code ${exitCode}): the student exceeded its memory limit`,
    );
  const metricReason: PodFailureReason = deadline ? 'DeadlineExceeded' : 'Error';
  const reason = terminated.reason ? `, ${terminated.reason}` : '';
  if (container === CONTAINERS.fetch)
    return fail(
      'bundle_error',
      metricReason,
      `the launcher could not fetch the task bundle (container fetch exited with code ${exitCode}${reason}) in pod ${podName}; ${jobWhy}`,
    );
  if (deadline)
    return fail(
      'timeout',
      metricReason,
      `the Job ran past its active deadline (container ${container} exited with code ${exitCode}${reason}) in pod ${podName}; ${jobWhy}`,
    );
  const kind = kindOfExitCode(exitCode);
  const why =
    exitCode === TIMEOUT_EXIT_CODE
      ? ': it ran past its wall-clock limit and was stopped'
      : exitCode === SIGKILL_EXIT_CODE
        ? ': it was killed (its memory limit, or SIGTERM ignored at its wall-clock limit)'
        : '';
  return fail(
    kind,
    metricReason,
    `the student exited with code ${exitCode} (${kind}${reason})${why} in pod ${podName}; ${jobWhy}`,
  );
}
