import type { Config, TolerationSetting } from '../../../runtime/config.js';

/**
 * What every trainer Job of one dispatch worker shares: where it runs, what it may use and how
 * long it may live. Built once from the configuration; the manifest builders read nothing else.
 */
export interface K8sJobSettings {
  readonly namespace: string;
  /** Image of the `student` container: runs agent code and holds no token. */
  readonly studentImage: string;
  /** Image of the trusted `fetch` and `upload` containers (`python3 -m trainer.launcher`). */
  readonly launcherImage: string;
  /** Wall-clock limit of the student in seconds when the run request names none. */
  readonly wallLimitSeconds: number;
  readonly gpuResource: string;
  /** GPUs per pod; 0 makes a CPU run (no GPU request, `--device cpu`). */
  readonly gpusPerRun: number;
  readonly cpu: string;
  readonly memory: string;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly TolerationSetting[];
  readonly priorityClassName?: string;
  /** Kueue LocalQueue; when set the Job carries `kueue.x-k8s.io/queue-name` and Kueue admits it. */
  readonly queueName?: string;
  /** e.g. `gvisor`: a sandboxed runtime for agent-written code. */
  readonly runtimeClassName?: string;
  readonly backoffLimit: number;
  readonly activeDeadlineSeconds: number;
  readonly ttlSecondsAfterFinished: number;
  /** The label whose value names a node's GPU model; a spec's `resources.gpuType` selects on it. */
  readonly gpuTypeLabel: string;
  /** The read-only volume holding model weights (text tasks); runs whose spec names a model need it. */
  readonly modelVolume?: { readonly claimName: string; readonly mountPath: string };
  /** Base URL at which pods reach the api server (result upload). */
  readonly apiUrl: string;
  /** Base URL at which pods reach the eval server (task bundle). */
  readonly evalUrl: string;
}

/** The Job settings from the parsed configuration. */
export function jobSettingsFromConfig(config: Config): K8sJobSettings {
  const optional = (value: string) => (value === '' ? undefined : value);
  const priorityClassName = optional(config.AAR_K8S_PRIORITY_CLASS);
  const queueName = optional(config.AAR_K8S_QUEUE);
  const runtimeClassName = optional(config.AAR_K8S_RUNTIME_CLASS);
  return Object.freeze({
    namespace: config.AAR_K8S_NAMESPACE,
    studentImage: config.AAR_K8S_IMAGE,
    launcherImage: config.AAR_K8S_LAUNCHER_IMAGE,
    wallLimitSeconds: config.AAR_K8S_WALL_LIMIT_SECONDS,
    gpuResource: config.AAR_K8S_GPU_RESOURCE,
    gpusPerRun: config.AAR_K8S_GPUS_PER_RUN,
    cpu: config.AAR_K8S_CPU,
    memory: config.AAR_K8S_MEMORY,
    nodeSelector: config.AAR_K8S_NODE_SELECTOR,
    tolerations: config.AAR_K8S_TOLERATIONS,
    ...(priorityClassName ? { priorityClassName } : {}),
    ...(queueName ? { queueName } : {}),
    ...(runtimeClassName ? { runtimeClassName } : {}),
    backoffLimit: config.AAR_K8S_BACKOFF_LIMIT,
    activeDeadlineSeconds: config.AAR_K8S_ACTIVE_DEADLINE_SECONDS,
    ttlSecondsAfterFinished: config.AAR_K8S_TTL_SECONDS,
    gpuTypeLabel: config.AAR_K8S_GPU_TYPE_LABEL,
    ...(config.AAR_K8S_MODEL_PVC
      ? { modelVolume: { claimName: config.AAR_K8S_MODEL_PVC, mountPath: config.AAR_K8S_MODEL_MOUNT_PATH } }
      : {}),
    apiUrl: config.AAR_API_URL,
    evalUrl: config.AAR_EVAL_URL,
  });
}
