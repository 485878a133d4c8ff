import type { V1Container, V1EnvVar, V1PodSpec, V1SecurityContext, V1Volume } from '@kubernetes/client-node';
import { CONTAINERS } from './job-identity.js';
import type { K8sJobSettings } from './job-settings.js';

/** The images' user (trainer/Dockerfile and student/Dockerfile: `useradd --uid 10001`). */
export const POD_UID = 10001;
/** Where the per-run Secret's spec.json is mounted (in `fetch` only). */
export const SPEC_DIR = '/etc/aar/run';
/** What `fetch` writes and `student` reads (read-only there). */
export const IN_DIR = '/aar/in';
/** What `student` writes and `upload` reads (read-only there). */
export const OUT_DIR = '/aar/out';
/** Keys of the per-run Secret. */
export const SECRET_KEYS = {
  spec: 'spec.json',
  uploadToken: 'upload-token',
  bundleToken: 'bundle-token',
} as const;
/** Seconds between the student's SIGTERM at its wall-clock limit and its SIGKILL. */
export const KILL_AFTER_SECONDS = 10;
/** The only environment the student gets: nothing names a token, a key, a URL or a secret. */
export const STUDENT_ENV: readonly V1EnvVar[] = [
  { name: 'PYTHONUNBUFFERED', value: '1' },
  { name: 'HF_HUB_OFFLINE', value: '1' },
  { name: 'TRANSFORMERS_OFFLINE', value: '1' },
  { name: 'HOME', value: OUT_DIR },
  { name: 'TMPDIR', value: '/tmp' },
];
/** Requests and limits of each launcher container (they download and upload, nothing more). */
const LAUNCHER_RESOURCES = { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } };

/** What the pod of one run needs besides the settings. */
export interface RunPod {
  readonly runId: string;
  readonly secretName: string;
  readonly seed: number;
  readonly gpus: number;
  /** The student's wall-clock limit in whole seconds. */
  readonly wallLimitSeconds: number;
  readonly bundleUrl: string;
  readonly uploadUrl: string;
  readonly model: { readonly claimName: string; readonly mountPath: string } | null;
}

const hardened = (): V1SecurityContext => ({
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
});

/**
 * The student's shell line. Only integers are interpolated (never a string from the spec), and it
 * always exits 0 after recording the student's exit code, so the pod goes on to `upload`.
 */
export function studentCommand(seed: number, wallLimitSeconds: number): string[] {
  for (const [what, n, min] of [
    ['seed', seed, 0],
    ['wall limit', wallLimitSeconds, 1],
  ] as const)
    if (!Number.isSafeInteger(n) || n < min)
      throw new RangeError(`the ${what} must be an integer >= ${min}: ${n}`);
  return [
    '/bin/sh',
    '-c',
    `timeout --kill-after=${KILL_AFTER_SECONDS} ${wallLimitSeconds} python3 -m student run` +
      ` --spec ${IN_DIR}/spec.json --bundle ${IN_DIR}/bundle.npz --seed ${seed}` +
      ` --out ${OUT_DIR}/result.json; echo $? > ${OUT_DIR}/exit-code`,
  ];
}

/**
 * The pod of one run, three containers in sequence (so no sidecar races): the trusted launcher
 * fetches the bundle with the run's bundle token (`fetch`), agent code trains with no token, no
 * Secret volume and no API credentials (`student`), and the launcher uploads its result with the
 * run's upload token (`upload`). Tokens and the student never share a container or a running pod
 * phase: `upload` starts only after `student` has exited.
 */
export function buildRunPodSpec(pod: RunPod, settings: K8sJobSettings): V1PodSpec {
  const gpuQuantity = pod.gpus > 0 ? { [settings.gpuResource]: String(pod.gpus) } : {};
  const fromSecret = (name: string, key: string): V1EnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: pod.secretName, key } },
  });
  const launcherEnv = [
    { name: 'PYTHONUNBUFFERED', value: '1' },
    { name: 'HOME', value: '/tmp' },
  ];
  const launcher = (name: string): V1Container => ({
    name,
    image: settings.launcherImage,
    imagePullPolicy: 'IfNotPresent',
    resources: LAUNCHER_RESOURCES,
    securityContext: hardened(),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  });
  const fetch: V1Container = {
    ...launcher(CONTAINERS.fetch),
    command: [
      'python3',
      '-m',
      'trainer.launcher',
      'fetch-bundle',
      '--url',
      pod.bundleUrl,
      '--out',
      `${IN_DIR}/bundle.npz`,
      '--spec',
      `${SPEC_DIR}/${SECRET_KEYS.spec}`,
      '--spec-out',
      `${IN_DIR}/spec.json`,
    ],
    env: [fromSecret('AAR_BUNDLE_TOKEN', SECRET_KEYS.bundleToken), ...launcherEnv],
    volumeMounts: [
      { name: 'run', mountPath: SPEC_DIR, readOnly: true },
      { name: 'aar-in', mountPath: IN_DIR },
      { name: 'launcher-tmp', mountPath: '/tmp' },
    ],
  };
  const student: V1Container = {
    name: CONTAINERS.student,
    image: settings.studentImage,
    imagePullPolicy: 'IfNotPresent',
    command: studentCommand(pod.seed, pod.wallLimitSeconds),
    env: STUDENT_ENV.map((e) => ({ ...e })),
    resources: {
      requests: { cpu: settings.cpu, memory: settings.memory, ...gpuQuantity },
      limits: { memory: settings.memory, ...gpuQuantity },
    },
    securityContext: hardened(),
    // Written only when the wrapper itself fails: the student's own code exits inside it.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [
      { name: 'aar-in', mountPath: IN_DIR, readOnly: true },
      { name: 'aar-out', mountPath: OUT_DIR },
      { name: 'student-tmp', mountPath: '/tmp' },
      { name: 'dshm', mountPath: '/dev/shm' },
      ...(pod.model ? [{ name: 'model', mountPath: pod.model.mountPath, readOnly: true }] : []),
    ],
  };
  const upload: V1Container = {
    ...launcher(CONTAINERS.upload),
    command: [
      'python3',
      '-m',
      'trainer.launcher',
      'upload',
      '--run-dir',
      OUT_DIR,
      '--url',
      pod.uploadUrl,
      '--run-id',
      pod.runId,
      '--wall-seconds',
      String(pod.wallLimitSeconds),
      '--spec',
      `${IN_DIR}/spec.json`,
      '--started-from',
      `${IN_DIR}/bundle.npz`,
    ],
    env: [fromSecret('AAR_UPLOAD_TOKEN', SECRET_KEYS.uploadToken), ...launcherEnv],
    // The launcher reads the spec (for a failure result) and the bundle's time (the run's start).
    volumeMounts: [
      { name: 'aar-in', mountPath: IN_DIR, readOnly: true },
      { name: 'aar-out', mountPath: OUT_DIR, readOnly: true },
      { name: 'launcher-tmp', mountPath: '/tmp' },
    ],
  };
  return {
    restartPolicy: 'Never',
    // No container talks to the cluster: the launchers hold their run's tokens only.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: 30,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: POD_UID,
      runAsGroup: POD_UID,
      fsGroup: POD_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    initContainers: [fetch, student],
    containers: [upload],
    volumes: runVolumes(pod),
  };
}

function runVolumes(pod: RunPod): V1Volume[] {
  return [
    {
      name: 'run',
      secret: {
        secretName: pod.secretName,
        items: [{ key: SECRET_KEYS.spec, path: SECRET_KEYS.spec }],
        defaultMode: 0o440,
      },
    },
    { name: 'aar-in', emptyDir: { sizeLimit: '8Gi' } },
    { name: 'aar-out', emptyDir: { sizeLimit: '2Gi' } },
    { name: 'student-tmp', emptyDir: { sizeLimit: '4Gi' } },
    { name: 'launcher-tmp', emptyDir: { sizeLimit: '1Gi' } },
    // PyTorch data loaders share tensors through /dev/shm; the runtime's default is 64 MiB.
    { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } },
    ...(pod.model
      ? [{ name: 'model', persistentVolumeClaim: { claimName: pod.model.claimName, readOnly: true } }]
      : []),
  ];
}
