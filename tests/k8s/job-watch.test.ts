import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubernetesObject, V1Job } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { createJobWatch } from '../../activities/executors/k8s/job-watch.js';
import type { K8sGateway } from '../../activities/executors/k8s/k8s-gateway.js';
import { createDispatchMetrics } from '../../activities/metrics.js';
import { testLogger } from '../helpers/silent-logger.js';

/** An informer that a test drives: it records starts and fires the callbacks it is given. */
class FakeInformer<T extends KubernetesObject> {
  starts = 0;
  readonly callbacks = new Map<string, ((arg?: unknown) => void)[]>();
  readonly objects = new Map<string, T>();
  on(verb: string, cb: (arg?: unknown) => void) {
    const verbs = verb === 'change' ? ['add', 'update', 'delete'] : [verb];
    for (const v of verbs) this.callbacks.set(v, [...(this.callbacks.get(v) ?? []), cb]);
  }
  off() {}
  async start() {
    this.starts += 1;
    this.fire('connect');
  }
  async stop() {}
  fire(verb: string, arg?: unknown) {
    for (const cb of this.callbacks.get(verb) ?? []) cb(arg);
  }
  get(name: string) {
    return this.objects.get(name);
  }
  list() {
    return [...this.objects.values()];
  }
}

function fakeGateway() {
  const jobs = new FakeInformer<V1Job>();
  const pods = new FakeInformer();
  const gateway = {
    namespace: 'ns',
    jobInformer: () => jobs,
    podInformer: () => pods,
  } as unknown as K8sGateway;
  return { gateway, jobs, pods };
}

test('restarts a failed watch with backoff, counts the restart and reports unsynced meanwhile', async () => {
  const { gateway, jobs } = fakeGateway();
  const registry = new Registry();
  const watch = createJobWatch(gateway, testLogger, createDispatchMetrics(registry), { maxBackoffMs: 1000 });
  await watch.start();
  assert.equal(jobs.starts, 1);
  assert.equal(watch.synced(), true);

  jobs.fire('error', new Error('connection reset'));
  assert.equal(watch.synced(), false, 'runs read from the API while the watch is down');
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(jobs.starts, 2, 'restarted after the backoff');
  assert.equal(watch.synced(), true);
  const restarts = (await registry.getSingleMetric('aar_k8s_watch_restarts_total')?.get())?.values;
  assert.deepEqual(
    restarts?.map((v) => [v.labels.resource, v.value]),
    [['jobs', 1]],
  );
  await watch.stop();
});

test('wakes the runs that wait on a Job when it or one of its pods changes', async () => {
  const { gateway, jobs, pods } = fakeGateway();
  const watch = createJobWatch(gateway, testLogger, createDispatchMetrics(new Registry()));
  await watch.start();
  const woken: string[] = [];
  const unsubscribe = watch.subscribe('aar-a', () => woken.push('a'));
  watch.subscribe('aar-b', () => woken.push('b'));
  jobs.fire('update', { metadata: { name: 'aar-a' } });
  pods.fire('add', { metadata: { name: 'aar-b-xyz', labels: { 'batch.kubernetes.io/job-name': 'aar-b' } } });
  unsubscribe();
  jobs.fire('update', { metadata: { name: 'aar-a' } });
  assert.deepEqual(woken, ['a', 'b']);
  await watch.stop();
});

test('does not restart a watch after it was stopped', async () => {
  const { gateway, jobs } = fakeGateway();
  const watch = createJobWatch(gateway, testLogger, createDispatchMetrics(new Registry()));
  await watch.start();
  await watch.stop();
  jobs.fire('error', new Error('aborted'));
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(jobs.starts, 1);
});
