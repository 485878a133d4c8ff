import type { Informer, KubernetesObject, ObjectCache, V1Job, V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../../../runtime/logger.js';
import type { DispatchMetrics } from '../../metrics.js';
import { LABELS } from './job-identity.js';
import type { K8sGateway } from './k8s-gateway.js';

/**
 * One pair of informers (managed Jobs and their pods) shared by every run a dispatch worker
 * watches, so a hundred runs cost two watches, not two hundred. An informer that fails is
 * restarted with backoff (a 410 Gone relists inside the client); while one is down `synced` is
 * false and the executor reads from the API instead. Events only wake runs up: every decision
 * that ends a run is confirmed by a GET.
 */
export interface JobWatch {
  /** Starts the informers once; later calls wait for the same start. Never throws. */
  start(): Promise<void>;
  /** True while both informers hold a current list. */
  synced(): boolean;
  job(name: string): V1Job | undefined;
  /** Every managed Job the informer holds. */
  jobs(): readonly V1Job[];
  pods(jobName: string): V1Pod[];
  /** Calls `wake` whenever the Job or one of its pods changes; returns the unsubscribe function. */
  subscribe(jobName: string, wake: () => void): () => void;
  stop(): Promise<void>;
}

type Watched<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

export function createJobWatch(
  gateway: K8sGateway,
  logger: Logger,
  metrics: DispatchMetrics,
  options: { readonly maxBackoffMs?: number } = {},
): JobWatch {
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const jobs = gateway.jobInformer();
  const pods = gateway.podInformer();
  const subscribers = new Map<string, Set<() => void>>();
  const healthy = { jobs: false, pods: false };
  let stopped = false;
  let starting: Promise<void> | undefined;

  const wake = (jobName: string | undefined) => {
    if (jobName === undefined) return;
    for (const fn of subscribers.get(jobName) ?? []) fn();
  };
  const wakeAll = () => {
    for (const set of subscribers.values()) for (const fn of set) fn();
  };

  function keepAlive<T extends KubernetesObject>(
    resource: 'jobs' | 'pods',
    informer: Watched<T>,
    jobNameOf: (o: T) => string | undefined,
  ) {
    let backoffMs = 500;
    let timer: NodeJS.Timeout | undefined;
    for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, (obj) => wake(jobNameOf(obj)));
    informer.on('connect', () => {
      healthy[resource] = true;
    });
    informer.on('error', (error) => {
      healthy[resource] = false;
      if (stopped || timer !== undefined) return;
      metrics.watchRestarts.inc({ resource });
      logger.warn({ resource, err: String(error), retryInMs: backoffMs }, 'k8s watch failed; restarting');
      timer = setTimeout(() => {
        timer = undefined;
        if (stopped) return;
        void informer.start();
      }, backoffMs);
      backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
      // Runs fall back to GETs until the informer is back; let them look now.
      wakeAll();
    });
    // A successful (re)list resets the backoff: the informer fires `connect` before it lists, so
    // count an add/update as proof that the list came back.
    informer.on('change', () => {
      backoffMs = 500;
    });
    return () => clearTimeout(timer);
  }

  const cancelJobs = keepAlive('jobs', jobs, (job: V1Job) => job.metadata?.name);
  const cancelPods = keepAlive('pods', pods, (pod: V1Pod) => pod.metadata?.labels?.[LABELS.jobName]);

  return {
    start() {
      starting ??= Promise.all([jobs.start(), pods.start()]).then(
        () => undefined,
        (error) => {
          logger.warn({ err: String(error) }, 'k8s informers did not start; runs read from the API');
        },
      );
      return starting;
    },
    synced: () => healthy.jobs && healthy.pods,
    job: (name) => jobs.get(name, gateway.namespace),
    jobs: () => jobs.list(gateway.namespace),
    pods: (jobName) =>
      pods.list(gateway.namespace).filter((p) => p.metadata?.labels?.[LABELS.jobName] === jobName),
    subscribe(jobName, fn) {
      let set = subscribers.get(jobName);
      if (set === undefined) {
        set = new Set();
        subscribers.set(jobName, set);
      }
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0) subscribers.delete(jobName);
      };
    },
    async stop() {
      stopped = true;
      cancelJobs();
      cancelPods();
      await Promise.all([jobs.stop(), pods.stop()]);
    },
  };
}
