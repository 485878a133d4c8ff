import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { BatchV1Api, NodeV1Api, SchedulingV1Api } from '@kubernetes/client-node';
import { jobNameFor } from '../../activities/executors/k8s/job-identity.js';
import { buildJobManifest, buildRunSecret } from '../../activities/executors/k8s/job-manifest.js';
import { type Cluster, eventually, jobPods, openCluster, testJobSettings } from './helpers/cluster.js';
import { SPEC } from './helpers/executor-harness.js';

let cluster: Cluster;
const suffix = randomBytes(3).toString('hex');
const priorityClass = `aar-t-research-${suffix}`;
const runtimeClass = `aar-t-gvisor-${suffix}`;

before(async () => {
  cluster = await openCluster('valid');
  await cluster.kubeConfig.makeApiClient(SchedulingV1Api).createPriorityClass({
    body: { metadata: { name: priorityClass }, value: 1000, preemptionPolicy: 'Never' },
  });
  await cluster.kubeConfig.makeApiClient(NodeV1Api).createRuntimeClass({
    body: { metadata: { name: runtimeClass }, handler: 'runsc' },
  });
});

after(async () => {
  await cluster.kubeConfig
    .makeApiClient(SchedulingV1Api)
    .deletePriorityClass({ name: priorityClass })
    .catch(() => undefined);
  await cluster.kubeConfig
    .makeApiClient(NodeV1Api)
    .deleteRuntimeClass({ name: runtimeClass })
    .catch(() => undefined);
  await cluster.close();
});

const allOptions = () =>
  testJobSettings(cluster.namespace, {
    gpusPerRun: 2,
    priorityClassName: priorityClass,
    runtimeClassName: runtimeClass,
    queueName: 'aar-research',
    backoffLimit: 2,
  });

test('the API server accepts the trainer Job with every option set (strict server-side validation)', async () => {
  const batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
  const job = buildJobManifest(
    { runId: 'valid-agent-1-0001-s0-a1', taskId: 'mnist1d', spec: SPEC },
    allOptions(),
  );
  const accepted = await batch.createNamespacedJob({
    namespace: cluster.namespace,
    body: job,
    dryRun: 'All',
    fieldValidation: 'Strict',
  });
  assert.equal(accepted.metadata?.name, job.metadata?.name);
  const pod = accepted.spec?.template.spec;
  assert.deepEqual(
    [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])].map((c) => c.name),
    ['fetch', 'student', 'upload'],
  );
  assert.deepEqual(JSON.parse(JSON.stringify(accepted.spec?.podFailurePolicy)), job.spec?.podFailurePolicy);
  assert.equal(accepted.spec?.template.spec?.priorityClassName, priorityClass);
});

test('the trainer pod passes the restricted Pod Security admission with its per-run Secret', async () => {
  const batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
  const runId = 'valid-agent-1-0002-s0-a1';
  const created = await batch.createNamespacedJob({
    namespace: cluster.namespace,
    body: buildJobManifest({ runId, taskId: 'mnist1d', spec: SPEC }, allOptions()),
  });
  const secret = buildRunSecret(
    { runId, taskId: 'mnist1d', spec: SPEC },
    { name: created.metadata!.name!, uid: created.metadata!.uid! },
    { upload: 'upload-token', bundle: 'bundle-token' },
    { namespace: cluster.namespace },
  );
  await cluster.core.createNamespacedSecret({
    namespace: cluster.namespace,
    body: secret,
    fieldValidation: 'Strict',
  });
  const pods = await eventually('the Job controller made its pod', async () => {
    const list = await jobPods(cluster, jobNameFor(runId));
    return list.length > 0 ? list : undefined;
  });
  assert.equal(pods[0]?.spec?.runtimeClassName, runtimeClass);
  assert.equal(pods[0]?.spec?.priority, 1000, 'the priority class was resolved');
});

test('the pod the Job controller makes gives its student container no Secret, no token env and no service-account token', async () => {
  const batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
  const runId = 'valid-agent-1-0003-s0-a1';
  await batch.createNamespacedJob({
    namespace: cluster.namespace,
    body: buildJobManifest({ runId, taskId: 'mnist1d', spec: SPEC }, allOptions()),
  });
  const pod = await eventually(
    'the Job controller made its pod',
    async () => (await jobPods(cluster, jobNameFor(runId)))[0],
  );
  const spec = pod.spec!;
  assert.deepEqual(
    spec.initContainers?.map((c) => c.name),
    ['fetch', 'student'],
  );
  assert.deepEqual(
    spec.containers.map((c) => c.name),
    ['upload'],
  );
  const student = spec.initContainers!.find((c) => c.name === 'student')!;
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  for (const mount of student.volumeMounts ?? []) {
    const volume = volumes.get(mount.name);
    assert.equal(volume?.secret, undefined, `${mount.name} is no Secret`);
    assert.equal(
      volume?.projected,
      undefined,
      `${mount.name} is no projected (service-account token) volume`,
    );
  }
  assert.ok(
    !(spec.volumes ?? []).some((v) => v.name.startsWith('kube-api-access')),
    'admission injected no service-account token',
  );
  for (const env of student.env ?? []) {
    assert.equal(env.valueFrom, undefined, `${env.name} is a literal`);
    assert.doesNotMatch(env.name, /TOKEN|KEY|PASSWORD|URL|SECRET/i);
  }
  assert.equal(student.envFrom, undefined);
});
