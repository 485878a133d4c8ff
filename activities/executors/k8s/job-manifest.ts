import type { V1Job, V1PodSpec, V1Secret } from '@kubernetes/client-node';
import type { ExperimentSpec } from '../../../core/experiment-spec.js';
import { TRAINER_EXIT_CODES } from '../../../core/result-bundle.js';
import {
  ANNOTATIONS,
  attemptOf,
  CONTAINERS,
  experimentOf,
  jobNameFor,
  LABELS,
  runLabels,
} from './job-identity.js';
import type { K8sJobSettings } from './job-settings.js';
import { buildRunPodSpec, SECRET_KEYS } from './run-pod.js';

export { SECRET_KEYS, SPEC_DIR } from './run-pod.js';

/** One run as the manifest builders see it. */
export interface JobRun {
  readonly runId: string;
  readonly taskId: string;
  readonly spec: ExperimentSpec;
  /** The workflow whose activity launches the Job (annotated, for the orphan reaper). */
  readonly workflowId?: string;
  /** The student's wall-clock limit in seconds; absent: `settings.wallLimitSeconds`. */
  readonly wallLimitSeconds?: number;
}

/**
 * Exit codes after which another pod of the same Job cannot succeed: the spec or the agent's code
 * is at fault (the workflow treats the same kinds as deterministic). Sorted, as the API requires.
 */
export const FAIL_FAST_EXIT_CODES: readonly number[] = [
  TRAINER_EXIT_CODES.invalid_spec,
  TRAINER_EXIT_CODES.hook_error,
  TRAINER_EXIT_CODES.nan_loss,
].sort((a, b) => a - b);

/**
 * The batch/v1 Job of one run (one per experiment, seed and attempt), as a pure function of the
 * run and the settings. Invariants: the name is `jobNameFor(runId)` (at most 63 characters);
 * preemption and eviction (`DisruptionTarget`) never count against `backoffLimit`; an
 * invalid spec fails the Job at once (the `upload` container exits with the student's code); the
 * pod runs sandboxed with no API credentials, and only its trusted launcher containers read the
 * tokens and spec from the run's Secret (of the same name), never the student (`buildRunPodSpec`).
 */
export function buildJobManifest(run: JobRun, settings: K8sJobSettings): V1Job {
  const name = jobNameFor(run.runId);
  const seed = run.spec.seed ?? 0;
  const labels = runLabels(run.runId, seed, attemptOf(run.runId));
  const annotations = {
    [ANNOTATIONS.runId]: run.runId,
    [ANNOTATIONS.experimentId]: experimentOf(run.runId),
    [ANNOTATIONS.taskId]: run.taskId,
  };
  const jobAnnotations = run.workflowId
    ? { ...annotations, [ANNOTATIONS.workflowId]: run.workflowId }
    : annotations;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: settings.namespace,
      labels: settings.queueName ? { ...labels, [LABELS.kueueQueue]: settings.queueName } : labels,
      annotations: jobAnnotations,
    },
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: settings.backoffLimit,
      activeDeadlineSeconds: settings.activeDeadlineSeconds,
      ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished,
      podFailurePolicy: {
        rules: [
          // Preempted, evicted or drained: not the run's fault, so the Job makes a new pod
          // without counting this one.
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          {
            action: 'FailJob',
            onExitCodes: {
              containerName: CONTAINERS.upload,
              operator: 'In',
              values: [...FAIL_FAST_EXIT_CODES],
            },
          },
        ],
      },
      template: { metadata: { labels, annotations }, spec: podSpec(run, name, seed, settings) },
    },
  };
}

function podSpec(run: JobRun, secretName: string, seed: number, settings: K8sJobSettings): V1PodSpec {
  // A spec may ask for its own GPU count and model (text tasks on a cluster); else the worker's default.
  const gpus = requestedGpus(run, settings);
  const nodeSelector = {
    ...settings.nodeSelector,
    ...(run.spec.resources?.gpuType ? { [settings.gpuTypeLabel]: run.spec.resources.gpuType } : {}),
  };
  const pod = buildRunPodSpec(
    {
      runId: run.runId,
      secretName,
      seed,
      gpus,
      // A spec's own limit may lower the executor's, never raise it.
      wallLimitSeconds: Math.ceil(
        Math.min(
          run.wallLimitSeconds ?? settings.wallLimitSeconds,
          run.spec.resources?.maxWallSeconds ?? Number.POSITIVE_INFINITY,
        ),
      ),
      bundleUrl: `${settings.evalUrl}/v1/tasks/${encodeURIComponent(run.taskId)}/bundle`,
      uploadUrl: `${settings.apiUrl}/v1/runs/${encodeURIComponent(run.runId)}/result`,
      model: modelMount(run, settings),
    },
    settings,
  );
  return {
    ...pod,
    ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
    ...(settings.tolerations.length > 0 ? { tolerations: settings.tolerations.map((t) => ({ ...t })) } : {}),
    ...(settings.priorityClassName ? { priorityClassName: settings.priorityClassName } : {}),
    ...(settings.runtimeClassName ? { runtimeClassName: settings.runtimeClassName } : {}),
  };
}

/** The GPUs a run's pod requests: the spec's `resources.gpus`, else the worker's default. */
export function requestedGpus(
  run: Pick<JobRun, 'spec'>,
  settings: Pick<K8sJobSettings, 'gpusPerRun'>,
): number {
  return run.spec.resources?.gpus ?? settings.gpusPerRun;
}

/**
 * The run's Secret: its spec, its upload token and its eval run token, owned by its Job so the
 * garbage collector deletes it with the Job. The only secret the experiments namespace holds.
 */
export function buildRunSecret(
  run: JobRun,
  owner: { readonly name: string; readonly uid: string },
  tokens: { readonly upload: string; readonly bundle: string },
  settings: Pick<K8sJobSettings, 'namespace'>,
): V1Secret {
  const seed = run.spec.seed ?? 0;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    // Never edited: a retried activity that finds it keeps it as it is.
    immutable: true,
    metadata: {
      name: owner.name,
      namespace: settings.namespace,
      labels: runLabels(run.runId, seed, attemptOf(run.runId)),
      annotations: { [ANNOTATIONS.runId]: run.runId },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: owner.name, uid: owner.uid }],
    },
    stringData: {
      [SECRET_KEYS.spec]: JSON.stringify(run.spec),
      [SECRET_KEYS.uploadToken]: tokens.upload,
      [SECRET_KEYS.bundleToken]: tokens.bundle,
    },
  };
}

/** Thrown when a run's spec names a model the cluster cannot mount; no attempt can succeed. */
export class ModelVolumeError extends Error {
  override name = 'ModelVolumeError';
}

/**
 * The model volume a run needs: none without `spec.model`; the configured read-only claim when the
 * model's path lies under its mount point. Anything else is refused before a Job exists.
 */
export function modelMount(
  run: JobRun,
  settings: K8sJobSettings,
): { claimName: string; mountPath: string } | null {
  const path = run.spec.model?.path;
  if (path === undefined) return null;
  if (settings.modelVolume === undefined) {
    throw new ModelVolumeError(
      `run ${run.runId} needs model ${path}, but no model volume is configured (set AAR_K8S_MODEL_PVC)`,
    );
  }
  const root = settings.modelVolume.mountPath.replace(/\/$/, '');
  if (!path.startsWith(`${root}/`)) {
    throw new ModelVolumeError(`model.path ${path} is not under the model volume mounted at ${root}`);
  }
  return settings.modelVolume;
}
