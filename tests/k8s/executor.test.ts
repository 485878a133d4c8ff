import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BatchV1Api, type V1Pod } from '@kubernetes/client-node';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { jobNameFor } from '../../activities/executors/k8s/job-identity.js';
import {
  type Cluster,
  createFakeGpuNode,
  eventually,
  evictPod,
  finishPod,
  jobPods,
  oomKillPod,
  openCluster,
} from './helpers/cluster.js';
import { createHarness, type Harness, listJobs, runRequest } from './helpers/executor-harness.js';

let cluster: Cluster;
const harnesses: Harness[] = [];
let seq = 0;
const nextRunId = () => `exec-agent-1-${String(++seq).padStart(4, '0')}-s0-a1`;

before(async () => {
  cluster = await openCluster('exec');
});

after(async () => {
  for (const h of harnesses) await h.executor.close();
  await cluster.close();
});

function harness(
  ...args: Parameters<typeof createHarness> extends [unknown, ...infer R] ? R : never
): Harness {
  const h = createHarness(cluster, ...args);
  harnesses.push(h);
  return h;
}

const isRunning = (pod: V1Pod) =>
  pod.status?.phase === 'Running' && pod.metadata?.deletionTimestamp === undefined;
async function runningPod(jobName: string, not?: string): Promise<V1Pod> {
  return await eventually(`a pod of ${jobName} runs`, async () =>
    (await jobPods(cluster, jobName)).find((p) => isRunning(p) && p.metadata?.name !== not),
  );
}

test('a completed pod completes the run, with a per-run Secret owned by the Job', async () => {
  const h = harness();
  const runId = nextRunId();
  const name = jobNameFor(runId);
  const attempt = h.start(runRequest(runId, 4));
  const pod = await runningPod(name);
  // The executor makes the Secret just after the Job (a kubelet waits for it; kwok does not).
  const secret = await eventually('the run Secret exists', () =>
    cluster.core.readNamespacedSecret({ name, namespace: cluster.namespace }),
  );
  assert.deepEqual(Object.keys(secret.data ?? {}).sort(), ['bundle-token', 'spec.json', 'upload-token']);
  assert.equal(secret.metadata?.ownerReferences?.[0]?.kind, 'Job');
  assert.equal(Buffer.from(secret.data!['bundle-token']!, 'base64').toString(), 'bundle-token-for-mnist1d');
  await finishPod(cluster, pod.metadata!.name!, 'succeed');
  const exit = await attempt.result;
  assert.deepEqual(exit.exitCode, 0);
  assert.equal(exit.lost, false);
  assert.equal(exit.adopted, false);
  assert.equal(exit.failure, undefined);
  assert.equal(exit.gpus, 1, 'the GPUs the pod requested, for GPU-seconds');
  assert.deepEqual(h.started, [`${runId} job:${cluster.namespace}/${name}`]);
  assert.ok(
    attempt.heartbeats.some((d) => d.jobName === name && typeof d.jobUid === 'string'),
    'heartbeats carry the Job name',
  );
});

test('a pod exiting with the invalid-spec code fails the Job at once, whatever the backoff limit', async () => {
  const h = harness({ backoffLimit: 3 });
  const runId = nextRunId();
  const attempt = h.start(runRequest(runId));
  const pod = await runningPod(jobNameFor(runId));
  await finishPod(cluster, pod.metadata!.name!, 'fail', 2);
  const exit = await attempt.result;
  assert.equal(exit.exitCode, 2);
  assert.equal(exit.failure?.kind, 'invalid_spec');
  assert.match(exit.failure?.message ?? '', /PodFailurePolicy/);
  assert.equal((await jobPods(cluster, jobNameFor(runId))).length, 1, 'no second pod was tried');
});

test('an evicted pod (DisruptionTarget) is replaced without consuming the backoff limit', async () => {
  const h = harness({ backoffLimit: 0 });
  const runId = nextRunId();
  const name = jobNameFor(runId);
  const attempt = h.start(runRequest(runId));
  const first = await runningPod(name);
  await evictPod(cluster, first.metadata!.name!);
  const second = await eventually('a replacement pod runs', async () => {
    const pods = await jobPods(cluster, name);
    return pods.find((p) => isRunning(p) && p.metadata?.uid !== first.metadata?.uid);
  });
  const job = await cluster.kubeConfig
    .makeApiClient(BatchV1Api)
    .readNamespacedJob({ name, namespace: cluster.namespace });
  assert.ok(!job.status?.failed, `the eviction was not counted (status.failed ${job.status?.failed})`);
  await finishPod(cluster, second.metadata!.name!, 'succeed');
  const exit = await attempt.result;
  assert.equal(exit.exitCode, 0);
  assert.equal(await h.metric('aar_run_pod_failures_total', { reason: 'Preempted' }), 1);
});

test('with more runs than GPUs the extra pods wait Pending and start as GPUs free up', async () => {
  const node = await createFakeGpuNode(cluster, 2);
  try {
    const h = harness({ nodeSelector: node.label });
    const runIds = [nextRunId(), nextRunId(), nextRunId()];
    const attempts = runIds.map((id) => h.start(runRequest(id)));
    const phases = async () => {
      const pods = (await Promise.all(runIds.map((id) => jobPods(cluster, jobNameFor(id))))).flat();
      return {
        running: pods.filter(isRunning),
        pending: pods.filter((p) => p.status?.phase === 'Pending'),
      };
    };
    const first = await eventually('two pods run and one waits', async () => {
      const now = await phases();
      return now.running.length === 2 && now.pending.length === 1 ? now : undefined;
    });
    const waiting = first.pending[0]!;
    const scheduled = waiting.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(scheduled?.reason, 'Unschedulable');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await phases()).running.length, 2, 'still only two pods run a second later');
    await finishPod(cluster, first.running[0]!.metadata!.name!, 'succeed');
    await eventually('the waiting pod starts once a GPU is free', async () => {
      const pods = await jobPods(cluster, waiting.metadata!.labels!['batch.kubernetes.io/job-name']!);
      return pods.some(isRunning);
    });
    for (const pod of (await phases()).running) await finishPod(cluster, pod.metadata!.name!, 'succeed');
    const exits = await Promise.all(attempts.map((a) => a.result));
    assert.deepEqual(
      exits.map((e) => e.exitCode),
      [0, 0, 0],
    );
  } finally {
    await node.remove();
  }
});

test('a restarted worker re-attaches to the running Job of its run instead of creating a second one', async () => {
  const first = harness();
  const runId = nextRunId();
  const name = jobNameFor(runId);
  const a1 = first.start(runRequest(runId));
  const pod = await runningPod(name);
  await eventually(
    'the first attempt heartbeats the Job',
    async () => a1.heartbeats.at(-1)?.jobUid !== undefined,
  );
  // The worker goes away: its activity is cancelled for shutdown, and the Job must stay.
  a1.env.cancel('WORKER_SHUTDOWN');
  await assert.rejects(a1.result, CancelledFailure);
  await first.executor.close();
  assert.ok((await jobPods(cluster, name)).some(isRunning), 'the pod still runs');

  const second = harness();
  const a2 = second.start(runRequest(runId), { attempt: 2, heartbeatDetails: a1.heartbeats.at(-1) });
  await eventually('the second attempt heartbeats', async () => a2.heartbeats.length > 0);
  await finishPod(cluster, pod.metadata!.name!, 'succeed');
  const exit = await a2.result;
  assert.equal(exit.exitCode, 0);
  assert.equal(exit.adopted, true);
  const jobs = (await listJobs(cluster)).filter((j) => j.metadata?.annotations?.['aar.dev/run-id'] === runId);
  assert.equal(jobs.length, 1, 'one Job for the run');
  assert.equal(first.started.length + second.started.length, 1, 'one launch reported');
  assert.equal(await second.metric('aar_runs_adopted_total'), 1);
  assert.equal(await second.metric('aar_runs_launched_total'), 0);
});

test('cancelling a run deletes its Job and leaves no Job, no pod and no Secret', async () => {
  const h = harness();
  const runId = nextRunId();
  const name = jobNameFor(runId);
  const attempt = h.start(runRequest(runId));
  await runningPod(name);
  attempt.env.cancel();
  await assert.rejects(attempt.result, CancelledFailure);
  assert.equal(await h.gateway.readJob(name), null, 'no Job');
  assert.deepEqual(await jobPods(cluster, name), [], 'no pod');
  await eventually(
    'the Secret is garbage-collected',
    async () => (await h.gateway.readSecret(name)) === null,
  );
});

test('a run pending past the limit is reported in its heartbeat, a metric and a Job annotation', async () => {
  const h = harness({ nodeSelector: { 'aar.dev/no-such-node': 'true' } }, { pendingLimitMs: 1000 });
  const runId = nextRunId();
  const name = jobNameFor(runId);
  const attempt = h.start(runRequest(runId));
  const beat = await eventually('a heartbeat says pending too long', async () =>
    attempt.heartbeats.find((d) => d.pendingTooLong === true),
  );
  assert.match(String(beat.pendingReason), /^Unschedulable: /);
  assert.equal(await h.metric('aar_runs_pending_too_long', { executor: 'k8s' }), 1);
  const job = await h.gateway.readJob(name);
  assert.match(job?.metadata?.annotations?.['aar.dev/pending-too-long'] ?? '', /Unschedulable/);
  attempt.env.cancel();
  await assert.rejects(attempt.result, CancelledFailure);
  assert.equal(
    await h.metric('aar_runs_pending_too_long', { executor: 'k8s' }),
    0,
    'the gauge drops when the run ends',
  );
});

test('a pod whose student init container was OOMKilled fails the run with out_of_memory and its last log lines', async () => {
  const h = harness();
  const runId = nextRunId();
  const attempt = h.start(runRequest(runId));
  const pod = await runningPod(jobNameFor(runId));
  await oomKillPod(cluster, pod.metadata!.name!, 'epoch 2/20\nallocating 4 GiB');
  const exit = await attempt.result;
  assert.equal(exit.exitCode, 137);
  assert.equal(exit.failure?.kind, 'out_of_memory');
  assert.match(exit.failure?.message ?? '', /OOMKilled/);
  assert.equal(exit.failure?.detail, 'epoch 2/20\nallocating 4 GiB');
  assert.equal(await h.metric('aar_run_pod_failures_total', { reason: 'OOMKilled' }), 1);
});

test('a Job of the same name that was not made for the run is never adopted', async () => {
  const h = harness();
  const runId = nextRunId();
  const name = jobNameFor(runId);
  await cluster.kubeConfig.makeApiClient(BatchV1Api).createNamespacedJob({
    namespace: cluster.namespace,
    body: {
      metadata: { name, labels: { app: 'someone-else' } },
      spec: {
        suspend: true,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'busybox' }] } },
      },
    },
  });
  const attempt = h.start(runRequest(runId));
  await assert.rejects(attempt.result, (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, 'K8sJobConflict');
    assert.match(error.message, /was not made for run/);
    return true;
  });
});

test('a Job that vanished after an earlier attempt launched it is reported lost, not launched again', async () => {
  const h = harness();
  const runId = nextRunId();
  const name = jobNameFor(runId);
  const attempt = h.start(runRequest(runId), {
    attempt: 3,
    heartbeatDetails: { jobName: name, jobUid: 'deleted-uid' },
  });
  const exit = await attempt.result;
  assert.equal(exit.lost, true);
  assert.equal(exit.exitCode, null);
  assert.match(exit.failure?.message ?? '', /deleted before it finished/);
  assert.equal(await h.gateway.readJob(name), null, 'no Job was created');
  assert.deepEqual(h.started, []);
});

test('a Job whose workflow closed while no worker watched it is deleted, and a Job of an open workflow is kept', async () => {
  const first = harness();
  const orphan = nextRunId();
  const kept = nextRunId();
  const workflow = (workflowId: string) => ({ workflowExecution: { workflowId, runId: 'r' } });
  const a1 = first.start(runRequest(orphan), workflow('experiment-cancelled'));
  const a2 = first.start(runRequest(kept), workflow('experiment-running'));
  await runningPod(jobNameFor(orphan));
  await runningPod(jobNameFor(kept));
  // The worker dies; meanwhile the first workflow is cancelled, so no attempt will come back.
  a1.env.cancel('WORKER_SHUTDOWN');
  a2.env.cancel('WORKER_SHUTDOWN');
  await assert.rejects(a1.result, CancelledFailure);
  await assert.rejects(a2.result, CancelledFailure);
  await first.executor.close();

  const asked: string[] = [];
  harness(
    {},
    {
      isWorkflowOpen: async (id) => {
        asked.push(id);
        return id === 'experiment-running';
      },
      reapEveryMs: 500,
    },
  );
  await eventually(
    'the orphan Job and its pod are gone',
    async () =>
      (await first.gateway.readJob(jobNameFor(orphan))) === null &&
      (await jobPods(cluster, jobNameFor(orphan))).length === 0,
  );
  assert.ok(asked.includes('experiment-running'));
  assert.ok(
    (await jobPods(cluster, jobNameFor(kept))).some(isRunning),
    'the Job of the open workflow still runs',
  );
});
