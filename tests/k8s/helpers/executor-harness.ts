import { BatchV1Api, type V1Job } from '@kubernetes/client-node';
import { Context, type Info } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { Registry } from 'prom-client';
import type { RunExit, RunRequest } from '../../../activities/executors/executor.js';
import type { K8sJobSettings } from '../../../activities/executors/k8s/job-settings.js';
import {
  createK8sExecutor,
  type K8sExecutor,
  type K8sExecutorDeps,
} from '../../../activities/executors/k8s/k8s-executor.js';
import { createK8sGateway, type K8sGateway } from '../../../activities/executors/k8s/k8s-gateway.js';
import { createDispatchMetrics } from '../../../activities/metrics.js';
import type { ExperimentSpec } from '../../../core/experiment-spec.js';
import { testLogger } from '../../helpers/silent-logger.js';
import { type Cluster, testJobSettings } from './cluster.js';

export const SPEC: ExperimentSpec = {
  specVersion: 1,
  task: 'mnist1d',
  loss: { kind: 'xent' },
  training: { epochs: 1, learningRate: 0.01, batchSize: 32 },
};

export function runRequest(runId: string, seed = 0): RunRequest {
  return { runId, taskId: 'mnist1d', spec: { ...SPEC, seed }, executor: 'k8s' };
}

/** One executor as one dispatch worker would hold it, with its own metrics and informers. */
export interface Harness {
  readonly executor: K8sExecutor;
  readonly gateway: K8sGateway;
  readonly registry: Registry;
  readonly started: string[];
  /** Runs `execute` as a Temporal activity attempt; `info` sets attempt and heartbeat details. */
  start(request: RunRequest, info?: Partial<Info>): Attempt;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

export interface Attempt {
  readonly env: MockActivityEnvironment;
  readonly heartbeats: Record<string, unknown>[];
  readonly result: Promise<RunExit>;
}

export function createHarness(
  cluster: Cluster,
  settings: Partial<K8sJobSettings> = {},
  deps: Partial<K8sExecutorDeps> = {},
): Harness {
  const registry = new Registry();
  const gateway = createK8sGateway(cluster.kubeConfig, cluster.namespace);
  const started: string[] = [];
  const executor = createK8sExecutor({
    gateway,
    settings: testJobSettings(cluster.namespace, settings),
    runTokenKey: 'test-run-token-key-0123456789',
    mintBundleToken: async (taskId) => `bundle-token-for-${taskId}`,
    logger: testLogger,
    metrics: createDispatchMetrics(registry),
    reportStarted: async (runId, externalId) => {
      started.push(`${runId} ${externalId}`);
    },
    pendingLimitMs: 60_000,
    pollMs: 250,
    resyncMs: 2000,
    cancelWaitMs: 60_000,
    ...deps,
  });
  return {
    executor,
    gateway,
    registry,
    started,
    start(request, info = {}) {
      const env = new MockActivityEnvironment(
        { heartbeatTimeoutMs: 30_000, ...info },
        { logger: new DefaultLogger('ERROR') },
      );
      const heartbeats: Record<string, unknown>[] = [];
      env.on('heartbeat', (d: Record<string, unknown>) => heartbeats.push(d));
      const result: Promise<RunExit> = env.run(async () => executor.execute(request, Context.current()));
      result.catch(() => undefined);
      return { env, heartbeats, result };
    },
    async metric(name, labels = {}) {
      const metric = await registry.getSingleMetric(name)?.get();
      const match = metric?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x));
      return match?.value ?? 0;
    },
  };
}

/** Every Job in the test namespace (what "no second Job" counts). */
export async function listJobs(cluster: Cluster): Promise<V1Job[]> {
  const batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
  return (await batch.listNamespacedJob({ namespace: cluster.namespace })).items;
}
