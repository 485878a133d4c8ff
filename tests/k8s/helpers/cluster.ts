import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import type { K8sJobSettings } from '../../../activities/executors/k8s/job-settings.js';
import { loadConfig, REPO_ROOT } from '../../../runtime/config.js';

/** The kubeconfig `scripts/k8s/up.sh` writes for the local control plane. */
export function kubeconfigPath(): string {
  return join(loadConfig().AAR_STATE_DIR, 'k8s', 'kubeconfig');
}

/** A path of a pinned binary of the local cluster (kubectl, helm). */
export function k8sBinary(name: 'kubectl' | 'helm'): string {
  const run = spawnSync('bash', [join(REPO_ROOT, 'scripts/k8s/build.sh'), '--print', name], {
    encoding: 'utf8',
  });
  const path = run.stdout.trim();
  if (run.status !== 0 || !existsSync(path))
    throw new Error(`${name} is not built (${path}): run scripts/k8s/build.sh (make test does it)`);
  return path;
}

/** Runs the pinned kubectl against the local cluster; throws with its output when it fails. */
export function kubectl(args: string[], input?: string): string {
  const run = spawnSync(k8sBinary('kubectl'), ['--kubeconfig', kubeconfigPath(), ...args], {
    encoding: 'utf8',
    input,
    timeout: 120_000,
  });
  if (run.status !== 0)
    throw new Error(`kubectl ${args.join(' ')} failed (${run.status}):\n${run.stderr}${run.stdout}`);
  return run.stdout;
}

export interface Cluster {
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  /** A namespace of this test file, with its default service account ready. */
  readonly namespace: string;
  /** Deletes the namespace and waits until it is gone. */
  close(): Promise<void>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `check` until it returns a value that is not undefined/false, or fails naming `what`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting until ${what}${last ? `: ${String(last)}` : ''}`,
      );
    await sleep(200);
  }
}

/**
 * Connects to the local control plane and makes a namespace for one test file. Fails loudly
 * (never skips) when the control plane is not up: `make test` starts it through
 * scripts/test.d/10-k8s.sh.
 */
export async function openCluster(prefix: string): Promise<Cluster> {
  const path = kubeconfigPath();
  if (!existsSync(path))
    throw new Error(
      `no kubeconfig at ${path}: the local Kubernetes control plane is not up (run scripts/k8s/up.sh, or make test)`,
    );
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(path);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  try {
    await core.listNamespace({ limit: 1 });
  } catch (error) {
    throw new Error(
      `the local Kubernetes control plane does not answer (${String(error)}): run scripts/k8s/up.sh, or make test`,
    );
  }
  const namespace = `aar-t-${prefix}-${randomBytes(3).toString('hex')}`;
  // Enforces the restricted Pod Security Standard, as the experiments namespace does in production:
  // a trainer pod that breaks it is refused, and the test sees it.
  await core.createNamespace({
    body: {
      metadata: {
        name: namespace,
        labels: { 'aar.dev/test': 'true', 'pod-security.kubernetes.io/enforce': 'restricted' },
      },
    },
  });
  await eventually('the namespace has its default service account', () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace }).then(() => true),
  );
  return {
    kubeConfig,
    core,
    namespace,
    async close() {
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
      await eventually(
        `namespace ${namespace} is gone`,
        () =>
          core.readNamespace({ name: namespace }).then(
            () => false,
            () => true,
          ),
        120_000,
      );
    },
  };
}

/**
 * A fake GPU node of its own (kwok plays its kubelet) with exactly `gpus` GPUs and a label no
 * other node has, so a test controls the capacity its pods compete for. Deleted by `remove`.
 */
export async function createFakeGpuNode(
  cluster: Cluster,
  gpus: number,
): Promise<{ label: Record<string, string>; remove(): Promise<void> }> {
  const name = `${cluster.namespace}-gpu`;
  const label = { 'aar.dev/test-node': name };
  await cluster.core.createNode({
    body: {
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: { ...label, 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', type: 'kwok' },
      },
      spec: { taints: [{ key: 'nvidia.com/gpu', value: 'present', effect: 'NoSchedule' }] },
    },
  });
  const capacity = { cpu: '32', memory: '256Gi', pods: '110', 'nvidia.com/gpu': String(gpus) };
  await cluster.core.patchNodeStatus(
    { name, body: { status: { capacity, allocatable: capacity } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await eventually(`fake node ${name} is Ready`, async () => {
    const node = await cluster.core.readNode({ name });
    return (
      node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
      !node.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/'))
    );
  });
  return {
    label,
    remove: () =>
      cluster.core.deleteNode({ name }).then(
        () => undefined,
        () => undefined,
      ),
  };
}

/** Job settings for tests: the fake GPU nodes (or `nodeSelector`), short deadlines, the given URLs. */
export function testJobSettings(namespace: string, overrides: Partial<K8sJobSettings> = {}): K8sJobSettings {
  return {
    namespace,
    studentImage: 'aar-student:test',
    launcherImage: 'aar-launcher:test',
    wallLimitSeconds: 300,
    gpuResource: 'nvidia.com/gpu',
    gpuTypeLabel: 'nvidia.com/gpu.product',
    gpusPerRun: 1,
    cpu: '1',
    memory: '1Gi',
    nodeSelector: { 'aar.dev/fake-node': 'true' },
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    backoffLimit: 0,
    activeDeadlineSeconds: 600,
    ttlSecondsAfterFinished: 3600,
    apiUrl: 'http://aar-api.aar.svc:18080',
    evalUrl: 'http://aar-eval.aar.svc:18081',
    ...overrides,
  };
}

/** The pods of one Job, through the API. */
export async function jobPods(cluster: Cluster, jobName: string): Promise<V1Pod[]> {
  const list = await cluster.core.listNamespacedPod({
    namespace: cluster.namespace,
    labelSelector: `batch.kubernetes.io/job-name=${jobName}`,
  });
  return list.items;
}

/** Makes kwok finish a pod: `succeed`, or `fail` with an exit code (scripts/k8s/kwok-stages.yaml). */
export async function finishPod(
  cluster: Cluster,
  podName: string,
  how: 'succeed' | 'fail',
  exitCode = 1,
): Promise<void> {
  await cluster.core.patchNamespacedPod(
    {
      name: podName,
      namespace: cluster.namespace,
      body: {
        metadata: {
          annotations: {
            'aar.dev/simulate': how,
            ...(how === 'fail' ? { 'aar.dev/simulate-exit-code': String(exitCode) } : {}),
          },
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/**
 * Reports a pod's `student` init container as killed by the kernel for memory (exit 137,
 * OOMKilled), as the kubelet would, with `logTail` as the termination message: `fetch` completed,
 * the pod failed and `upload` never started.
 */
export async function oomKillPod(cluster: Cluster, podName: string, logTail: string): Promise<void> {
  const at = new Date().toISOString();
  const status = (name: string, image: string, state: Record<string, unknown>) => ({
    name,
    image,
    imageID: '',
    ready: false,
    restartCount: 0,
    state,
  });
  await cluster.core.patchNamespacedPodStatus(
    {
      name: podName,
      namespace: cluster.namespace,
      body: {
        status: {
          phase: 'Failed',
          initContainerStatuses: [
            status('fetch', 'aar-launcher:test', {
              terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at },
            }),
            status('student', 'aar-student:test', {
              terminated: {
                exitCode: 137,
                reason: 'OOMKilled',
                message: logTail,
                startedAt: at,
                finishedAt: at,
              },
            }),
          ],
          containerStatuses: [
            status('upload', 'aar-launcher:test', { waiting: { reason: 'PodInitializing' } }),
          ],
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** Evicts a pod through the Eviction API, as a drain or a preemption would (DisruptionTarget). */
export async function evictPod(cluster: Cluster, podName: string): Promise<void> {
  await cluster.core.createNamespacedPodEviction({
    name: podName,
    namespace: cluster.namespace,
    body: {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: podName, namespace: cluster.namespace },
    },
  });
}
