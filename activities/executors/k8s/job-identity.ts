import { createHash } from 'node:crypto';

/** Labels and annotations AAR puts on its trainer Jobs, pods and per-run Secrets (domain-prefixed). */
export const LABELS = {
  name: 'app.kubernetes.io/name',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'aar.dev/component',
  runHash: 'aar.dev/run-hash',
  seed: 'aar.dev/seed',
  attempt: 'aar.dev/attempt',
  kueueQueue: 'kueue.x-k8s.io/queue-name',
  /** Set by the Job controller on every pod it creates. */
  jobName: 'batch.kubernetes.io/job-name',
} as const;

export const ANNOTATIONS = {
  runId: 'aar.dev/run-id',
  experimentId: 'aar.dev/experiment-id',
  taskId: 'aar.dev/task-id',
  /** The workflow that launched the Job: the orphan reaper asks Temporal whether it is still open. */
  workflowId: 'aar.dev/workflow-id',
  pendingTooLong: 'aar.dev/pending-too-long',
  /** Set once the api server was told the run started, so an adopting worker tells it only if not. */
  launchReported: 'aar.dev/launch-reported',
} as const;

/** Who manages the Jobs: the informers select on it, adoption checks it. */
export const MANAGED_BY = 'aar-dispatch';
export const MANAGED_SELECTOR = `${LABELS.managedBy}=${MANAGED_BY}`;
/**
 * The containers of a run's pod, in the order they run: `fetch` (trusted launcher, init: the
 * bundle and spec into `aar-in`), `student` (agent code, init: no token, no Secret), `upload`
 * (trusted launcher: the result to the api server; it exits with the student's exit code, so
 * podFailurePolicy rules and exit codes refer to it).
 */
export const CONTAINERS = { fetch: 'fetch', student: 'student', upload: 'upload' } as const;

const NAME_MAX = 63;
const HASH_CHARS = 10;

/** A stable digest of the run id: label values are at most 63 characters, run ids may be longer. */
export function runHash(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, 16);
}

/**
 * The Job name of a run: the same for every attempt of the activity, so a retry finds the Job its
 * first attempt created. Names must be at most 63 characters (the Job controller copies them
 * into a label), so a readable prefix of the run id is kept and a hash of the whole id ends it.
 */
export function jobNameFor(runId: string): string {
  const hash = runHash(runId).slice(0, HASH_CHARS);
  const readable = runId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, NAME_MAX - 'aar-'.length - 1 - HASH_CHARS)
    .replace(/^-+|-+$/g, '');
  return readable === '' ? `aar-${hash}` : `aar-${readable}-${hash}`;
}

/** The labels every object of one run carries (the Job, its pods, its Secret). */
export function runLabels(runId: string, seed: number, attempt: number): Record<string, string> {
  return {
    [LABELS.name]: 'aar-trainer',
    [LABELS.partOf]: 'aar',
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.component]: 'trainer',
    [LABELS.runHash]: runHash(runId),
    [LABELS.seed]: String(seed),
    [LABELS.attempt]: String(attempt),
  };
}

/** The attempt number of a run id `<experiment>-s<seed>-a<attempt>` (1 when it has none). */
export function attemptOf(runId: string): number {
  const match = /-a(\d+)$/.exec(runId);
  return match ? Number(match[1]) : 1;
}

/** The experiment id of a run id `<experiment>-s<seed>-a<attempt>`. */
export function experimentOf(runId: string): string {
  return runId.replace(/-s\d+-a\d+$/, '');
}

/**
 * Whether an existing object was made by AAR for this run: a 409 on create is adopted only then;
 * anything else under the same name is someone else's and is never touched.
 */
export function belongsToRun(
  meta: { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined,
  runId: string,
): boolean {
  return (
    meta?.labels?.[LABELS.managedBy] === MANAGED_BY &&
    meta.labels[LABELS.runHash] === runHash(runId) &&
    meta.annotations?.[ANNOTATIONS.runId] === runId
  );
}
