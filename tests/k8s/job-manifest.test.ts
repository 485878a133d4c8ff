import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobNameFor, LABELS, runHash } from '../../activities/executors/k8s/job-identity.js';
import {
  buildJobManifest,
  buildRunSecret,
  FAIL_FAST_EXIT_CODES,
  ModelVolumeError,
} from '../../activities/executors/k8s/job-manifest.js';
import type { ExperimentSpec } from '../../core/experiment-spec.js';
import { TRAINER_EXIT_CODES } from '../../core/result-bundle.js';
import { testJobSettings } from './helpers/cluster.js';

const spec: ExperimentSpec = {
  specVersion: 1,
  task: 'mnist1d',
  loss: { kind: 'xent' },
  training: { epochs: 2, learningRate: 0.01, batchSize: 32 },
  seed: 3,
};
const run = { runId: 'camp-agent-1-0007-s3-a2', taskId: 'mnist1d', spec };
const settings = testJobSettings('aar-experiments');
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const names: [string, string][] = [
  ['a short run id', 'c-a-0001-s0-a1'],
  ['the longest ids campaigns make', `${'c'.repeat(40)}-${'a'.repeat(40)}-0001-s2147483647-a20`],
  ['characters a name may not hold', 'Camp_ONE.agent 1-s0-a1'],
  ['only characters a name may not hold', '___'],
];
for (const [what, runId] of names) {
  test(`names the Job of ${what} deterministically, as a DNS label of at most 63 characters`, () => {
    const name = jobNameFor(runId);
    assert.equal(name, jobNameFor(runId));
    assert.ok(name.length <= 63, `${name} has ${name.length} characters`);
    assert.match(name, DNS_LABEL);
    assert.ok(name.endsWith(runHash(runId).slice(0, 10)), 'a hash suffix keeps truncated names apart');
  });
}

test('gives run ids that differ only past the truncation different Job names', () => {
  const stem = 'x'.repeat(80);
  assert.notEqual(jobNameFor(`${stem}-s0-a1`), jobNameFor(`${stem}-s0-a2`));
});

test('builds one Job per run named for the run, with domain-prefixed labels and the run id annotated', () => {
  const job = buildJobManifest(run, settings);
  assert.equal(job.metadata?.name, jobNameFor(run.runId));
  assert.equal(job.metadata?.namespace, 'aar-experiments');
  const labels = job.metadata?.labels ?? {};
  for (const key of Object.keys(labels))
    assert.match(key, /^[a-z0-9.-]+\.[a-z]+\//, `${key} is domain-prefixed`);
  assert.equal(labels[LABELS.runHash], runHash(run.runId));
  assert.equal(labels[LABELS.seed], '3');
  assert.equal(labels[LABELS.attempt], '2');
  assert.equal(job.metadata?.annotations?.['aar.dev/run-id'], run.runId);
  assert.equal(job.metadata?.annotations?.['aar.dev/experiment-id'], 'camp-agent-1-0007');
  assert.deepEqual(job.spec?.template.metadata?.labels, labels);
});

test('requests the configured GPUs, node selector, tolerations, deadline, TTL and backoff limit', () => {
  const job = buildJobManifest(run, testJobSettings('ns', { gpusPerRun: 2, backoffLimit: 3 }));
  const pod = job.spec!.template.spec!;
  const container = pod.containers[0]!;
  assert.equal(container.resources?.limits?.['nvidia.com/gpu'], '2');
  assert.equal(container.resources?.requests?.['nvidia.com/gpu'], '2');
  assert.equal(container.resources?.limits?.memory, '1Gi');
  assert.deepEqual(pod.nodeSelector, { 'aar.dev/fake-node': 'true' });
  assert.deepEqual(pod.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  assert.equal(job.spec?.backoffLimit, 3);
  assert.equal(job.spec?.activeDeadlineSeconds, 600);
  assert.equal(job.spec?.ttlSecondsAfterFinished, 3600);
  assert.equal(pod.restartPolicy, 'Never');
  assert.ok(container.args?.includes('cuda'));
});

const optional: [
  string,
  Parameters<typeof testJobSettings>[1],
  (job: ReturnType<typeof buildJobManifest>) => unknown,
  unknown,
][] = [
  [
    'a priority class',
    { priorityClassName: 'aar-research' },
    (j) => j.spec?.template.spec?.priorityClassName,
    'aar-research',
  ],
  [
    'a runtime class (gVisor)',
    { runtimeClassName: 'gvisor' },
    (j) => j.spec?.template.spec?.runtimeClassName,
    'gvisor',
  ],
  [
    'a Kueue queue',
    { queueName: 'gpu-queue' },
    (j) => j.metadata?.labels?.['kueue.x-k8s.io/queue-name'],
    'gpu-queue',
  ],
];
for (const [what, extra, read, expected] of optional) {
  test(`sets ${what} only when configured`, () => {
    assert.equal(read(buildJobManifest(run, testJobSettings('ns', extra))), expected);
    assert.equal(read(buildJobManifest(run, testJobSettings('ns'))), undefined);
  });
}

test('makes a CPU run without a GPU request when no GPUs are configured', () => {
  const container = buildJobManifest(run, testJobSettings('ns', { gpusPerRun: 0 })).spec!.template.spec!
    .containers[0]!;
  assert.equal(container.resources?.limits?.['nvidia.com/gpu'], undefined);
  assert.equal(container.resources?.requests?.['nvidia.com/gpu'], undefined);
  assert.deepEqual(container.args?.slice(-2), ['--device', 'cpu']);
});

const textSpec: ExperimentSpec = {
  ...spec,
  model: { family: 'hf-causal-lm', path: '/models/qwen3-4b-base' } as ExperimentSpec['model'],
  resources: { gpus: 2, gpuType: 'NVIDIA-H200' },
};
const withModels = testJobSettings('ns', { modelVolume: { claimName: 'models', mountPath: '/models' } });

test('asks for the GPU count and type a spec requires, and mounts the model volume read-only', () => {
  const pod = buildJobManifest({ ...run, spec: textSpec }, withModels).spec!.template.spec!;
  const container = pod.containers[0]!;
  assert.equal(container.resources?.limits?.['nvidia.com/gpu'], '2');
  assert.equal(pod.nodeSelector?.['nvidia.com/gpu.product'], 'NVIDIA-H200');
  assert.deepEqual(
    container.volumeMounts?.find((m) => m.name === 'model'),
    { name: 'model', mountPath: '/models', readOnly: true },
  );
  assert.deepEqual(pod.volumes?.find((v) => v.name === 'model')?.persistentVolumeClaim, {
    claimName: 'models',
    readOnly: true,
  });
});

test('mounts no model volume for a bundled task', () => {
  const pod = buildJobManifest(run, withModels).spec!.template.spec!;
  assert.equal(
    pod.volumes?.find((v) => v.name === 'model'),
    undefined,
  );
});

test('refuses a spec that names a model outside the model volume, or when none is configured', () => {
  const outside = { ...textSpec, model: { ...textSpec.model!, path: '/etc/passwd-model' } };
  assert.throws(() => buildJobManifest({ ...run, spec: outside }, withModels), ModelVolumeError);
  assert.throws(
    () => buildJobManifest({ ...run, spec: textSpec }, testJobSettings('ns')),
    /AAR_K8S_MODEL_PVC/,
  );
});

test('ignores disruptions and fails the Job at once on the invalid-spec exit code', () => {
  const rules = buildJobManifest(run, settings).spec?.podFailurePolicy?.rules ?? [];
  assert.deepEqual(rules[0], {
    action: 'Ignore',
    onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }],
  });
  assert.equal(rules[1]?.action, 'FailJob');
  assert.deepEqual(rules[1]?.onExitCodes, {
    containerName: 'trainer',
    operator: 'In',
    values: FAIL_FAST_EXIT_CODES,
  });
  assert.ok(FAIL_FAST_EXIT_CODES.includes(TRAINER_EXIT_CODES.invalid_spec));
  assert.ok(
    !FAIL_FAST_EXIT_CODES.includes(TRAINER_EXIT_CODES.internal),
    'an internal error may heal on another pod',
  );
  assert.ok(!FAIL_FAST_EXIT_CODES.includes(TRAINER_EXIT_CODES.out_of_memory));
});

test('runs the pod sandboxed: non-root, read-only root, no capabilities, RuntimeDefault seccomp, no API token', () => {
  const pod = buildJobManifest(run, settings).spec!.template.spec!;
  const container = pod.containers[0]!;
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(pod.enableServiceLinks, false);
  assert.equal(pod.securityContext?.runAsNonRoot, true);
  assert.equal(pod.securityContext?.runAsUser, 10001);
  assert.deepEqual(pod.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
  assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
  assert.deepEqual(container.securityContext?.capabilities, { drop: ['ALL'] });
  assert.equal(container.terminationMessagePolicy, 'FallbackToLogsOnError');
});

test('runs the trainer CLI against the eval bundle URL and the run upload URL with tokens from the run Secret', () => {
  const container = buildJobManifest(run, settings).spec!.template.spec!.containers[0]!;
  assert.deepEqual(container.args, [
    'run',
    '--spec',
    '/etc/aar/run/spec.json',
    '--bundle',
    'http://aar-eval.aar.svc:18081/v1/tasks/mnist1d/bundle',
    '--seed',
    '3',
    '--upload-url',
    `http://aar-api.aar.svc:18080/v1/runs/${run.runId}/result`,
    '--device',
    'cuda',
  ]);
  const fromSecret = Object.fromEntries(
    (container.env ?? []).filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom?.secretKeyRef]),
  );
  const secretName = jobNameFor(run.runId);
  assert.deepEqual(fromSecret, {
    AAR_UPLOAD_TOKEN: { name: secretName, key: 'upload-token' },
    AAR_BUNDLE_TOKEN: { name: secretName, key: 'bundle-token' },
  });
});

test('puts the spec and both tokens in an immutable Secret owned by the Job, and no token in the Job', () => {
  const job = buildJobManifest(run, settings);
  const secret = buildRunSecret(
    run,
    { name: job.metadata!.name!, uid: 'uid-1' },
    { upload: 'up-token-123', bundle: 'bundle-token-456' },
    settings,
  );
  assert.equal(secret.metadata?.name, job.metadata?.name);
  assert.equal(secret.immutable, true);
  assert.deepEqual(secret.metadata?.ownerReferences, [
    { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata?.name, uid: 'uid-1' },
  ]);
  assert.deepEqual(JSON.parse(secret.stringData!['spec.json']!), spec);
  assert.equal(secret.stringData?.['upload-token'], 'up-token-123');
  const text = JSON.stringify(job);
  assert.ok(!text.includes('up-token-123') && !text.includes('bundle-token-456'));
});
