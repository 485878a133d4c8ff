import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  type Informer,
  type KubeConfig,
  makeInformer,
  type ObjectCache,
  PatchStrategy,
  setHeaderOptions,
  type V1Job,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import { LABELS, MANAGED_SELECTOR } from './job-identity.js';

/** Every Kubernetes call of the executor, in one namespace. Thin: no decisions are made here. */
export interface K8sGateway {
  readonly namespace: string;
  /** Creates a Job; a name already taken throws an ApiException with code 409. */
  createJob(job: V1Job): Promise<V1Job>;
  /** The Job, or null when it does not exist. */
  readJob(name: string): Promise<V1Job | null>;
  /** Deletes a Job and (by propagation) its pods; false when it was already gone. */
  deleteJob(name: string, propagation: 'Foreground' | 'Background'): Promise<boolean>;
  /** Merges annotations into a Job (null removes one). */
  annotateJob(name: string, annotations: Record<string, string | null>): Promise<void>;
  /** The pods of one Job (by the label the Job controller sets). */
  listJobPods(jobName: string): Promise<V1Pod[]>;
  readSecret(name: string): Promise<V1Secret | null>;
  /** Creates a Secret; `exists` when one of that name is already there. */
  createSecret(secret: V1Secret): Promise<'created' | 'exists'>;
  /** The last lines of the trainer's log, or undefined when the node cannot give them. */
  podLogTail(podName: string, container: string, lines: number): Promise<string | undefined>;
  /** Informers over the managed Jobs and pods of the namespace (not started). */
  jobInformer(): Informer<V1Job> & ObjectCache<V1Job>;
  podInformer(): Informer<V1Pod> & ObjectCache<V1Pod>;
}

/** True when `error` is the API server answering with `code`. */
export function isApiStatus(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}

/** The API server's own message from an ApiException body (a Status object), for error reports. */
export function apiMessage(error: unknown): string {
  if (!(error instanceof ApiException)) return error instanceof Error ? error.message : String(error);
  try {
    const body = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
    return `${error.code} ${body?.reason ?? ''}: ${body?.message ?? ''}`.trim();
  } catch {
    return `${error.code}: ${String(error.body).slice(0, 500)}`;
  }
}

const CALL_TIMEOUT_MS = 30_000;

/** Bounds a call: the client sets no timeout, and a hung call would stall the heartbeat. */
async function bounded<T>(what: string, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} timed out after ${CALL_TIMEOUT_MS} ms`)),
      CALL_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function orNull<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (error) {
    if (isApiStatus(error, 404)) return null;
    throw error;
  }
}

/** The gateway over a KubeConfig (a kubeconfig file or the pod's service account). */
export function createK8sGateway(kubeConfig: KubeConfig, namespace: string): K8sGateway {
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    namespace,
    createJob: (job) => bounded('create Job', batch.createNamespacedJob({ namespace, body: job })),
    readJob: (name) => bounded('read Job', orNull(batch.readNamespacedJob({ name, namespace }))),
    async deleteJob(name, propagationPolicy) {
      const done = await bounded(
        'delete Job',
        orNull(batch.deleteNamespacedJob({ name, namespace, propagationPolicy })),
      );
      return done !== null;
    },
    async annotateJob(name, annotations) {
      await bounded(
        'annotate Job',
        batch.patchNamespacedJob(
          { name, namespace, body: { metadata: { annotations } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      );
    },
    async listJobPods(jobName) {
      const list = await bounded(
        'list pods',
        core.listNamespacedPod({ namespace, labelSelector: `${LABELS.jobName}=${jobName}` }),
      );
      return list.items;
    },
    readSecret: (name) => bounded('read Secret', orNull(core.readNamespacedSecret({ name, namespace }))),
    async createSecret(secret) {
      try {
        await bounded('create Secret', core.createNamespacedSecret({ namespace, body: secret }));
        return 'created';
      } catch (error) {
        if (isApiStatus(error, 409)) return 'exists';
        throw error;
      }
    },
    async podLogTail(name, container, tailLines) {
      try {
        const text = await bounded(
          'read pod log',
          core.readNamespacedPodLog({ name, namespace, container, tailLines, limitBytes: 16_384 }),
        );
        return text === '' ? undefined : text;
      } catch {
        // No kubelet to ask (node gone, log rotated, a simulated node): the failure says so.
        return undefined;
      }
    },
    jobInformer: () =>
      makeInformer(
        kubeConfig,
        `/apis/batch/v1/namespaces/${namespace}/jobs`,
        () => batch.listNamespacedJob({ namespace, labelSelector: MANAGED_SELECTOR }),
        MANAGED_SELECTOR,
      ),
    podInformer: () =>
      makeInformer(
        kubeConfig,
        `/api/v1/namespaces/${namespace}/pods`,
        () => core.listNamespacedPod({ namespace, labelSelector: MANAGED_SELECTOR }),
        MANAGED_SELECTOR,
      ),
  };
}
