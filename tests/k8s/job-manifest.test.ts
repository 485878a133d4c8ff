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
const secretEnv = (container: { env?: { name: string; valueFrom?: { secretKeyRef?: unknown } }[] }) =>
  Object.fromEntries(
    (container.env ?? []).filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom?.secretKeyRef]),
  );
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

/** The pod's containers by name: `fetch` and `student` (init), `upload`. */
const containersOf = (job: ReturnType<typeof buildJobManifest>) => {
  const pod = job.spec!.template.spec!;
  const all = [...(pod.initContainers ?? []), ...pod.containers];
  const byName = (name: string) => all.find((c) => c.name === name)!;
  return { pod, fetch: byName('fetch'), student: byName('student'), upload: byName('upload') };
};

test('requests the configured GPUs, node selector, tolerations, deadline, TTL and backoff limit', () => {
  const job = buildJobManifest(run, testJobSettings('ns', { gpusPerRun: 2, backoffLimit: 3 }));
  const { pod, student: container } = containersOf(job);
  assert.equal(container.resources?.limits?.['nvidia.com/gpu'], '2');
  assert.equal(container.resources?.requests?.['nvidia.com/gpu'], '2');
  assert.equal(container.resources?.limits?.memory, '1Gi');
  assert.deepEqual(pod.nodeSelector, { 'aar.dev/fake-node': 'true' });
  assert.deepEqual(pod.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
  assert.equal(job.spec?.backoffLimit, 3);
  assert.equal(job.spec?.activeDeadlineSeconds, 600);
  assert.equal(job.spec?.ttlSecondsAfterFinished, 3600);
  assert.equal(pod.restartPolicy, 'Never');
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
  const { fetch, student, upload } = containersOf(
    buildJobManifest(run, testJobSettings('ns', { gpusPerRun: 0 })),
  );
  for (const container of [fetch, student, upload]) {
    assert.equal(container.resources?.limits?.['nvidia.com/gpu'], undefined);
    assert.equal(container.resources?.requests?.['nvidia.com/gpu'], undefined);
  }
});

const textSpec: ExperimentSpec = {
  ...spec,
  model: { family: 'hf-causal-lm', path: '/models/qwen3-4b-base' } as ExperimentSpec['model'],
  resources: { gpus: 2, gpuType: 'NVIDIA-H200' },
};
const withModels = testJobSettings('ns', { modelVolume: { claimName: 'models', mountPath: '/models' } });

test('asks for the GPU count and type a spec requires, and mounts the model volume read-only', () => {
  const {
    pod,
    student: container,
    fetch,
    upload,
  } = containersOf(buildJobManifest({ ...run, spec: textSpec }, withModels));
  assert.equal(container.resources?.limits?.['nvidia.com/gpu'], '2');
  assert.equal(fetch.resources?.limits?.['nvidia.com/gpu'], undefined, 'only the student holds the GPUs');
  assert.equal(upload.resources?.limits?.['nvidia.com/gpu'], undefined);
  assert.equal(
    [...fetch.volumeMounts!, ...upload.volumeMounts!].find((m) => m.name === 'model'),
    undefined,
  );
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

test('ignores disruptions and fails the Job at once on the invalid-spec exit code the upload container passes on', () => {
  const rules = buildJobManifest(run, settings).spec?.podFailurePolicy?.rules ?? [];
  assert.deepEqual(rules[0], {
    action: 'Ignore',
    onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }],
  });
  assert.equal(rules[1]?.action, 'FailJob');
  assert.deepEqual(rules[1]?.onExitCodes, {
    containerName: 'upload',
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

test('runs the pod sandboxed: non-root, no API token, no service links', () => {
  const pod = buildJobManifest(run, settings).spec!.template.spec!;
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(pod.enableServiceLinks, false);
  assert.equal(pod.securityContext?.runAsNonRoot, true);
  assert.equal(pod.securityContext?.runAsUser, 10001);
  assert.deepEqual(pod.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
  assert.equal(pod.shareProcessNamespace, undefined, "no container sees another one's processes");
});

for (const name of ['fetch', 'student', 'upload'] as const) {
  test(`hardens the ${name} container: read-only root, no capabilities, no escalation, RuntimeDefault seccomp`, () => {
    const container = containersOf(buildJobManifest(run, settings))[name];
    assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
    assert.equal(container.securityContext?.privileged, false);
    assert.equal(container.securityContext?.runAsNonRoot, true);
    assert.deepEqual(container.securityContext?.capabilities, { drop: ['ALL'] });
    assert.deepEqual(container.securityContext?.seccompProfile, { type: 'RuntimeDefault' });
    assert.equal(container.terminationMessagePolicy, 'FallbackToLogsOnError');
  });
}

test('runs fetch, then the student, as init containers in that order, and upload as the only main container', () => {
  const pod = buildJobManifest(run, settings).spec!.template.spec!;
  assert.deepEqual(
    pod.initContainers?.map((c) => [c.name, c.image, c.restartPolicy]),
    [
      ['fetch', 'aar-launcher:test', undefined],
      ['student', 'aar-student:test', undefined],
    ],
    'no restartPolicy: plain init containers run one after another, never as sidecars',
  );
  assert.deepEqual(
    pod.containers.map((c) => [c.name, c.image]),
    [['upload', 'aar-launcher:test']],
  );
});

test('the fetch container downloads the bundle with the bundle token into aar-in', () => {
  const { fetch } = containersOf(buildJobManifest(run, settings));
  assert.deepEqual(fetch.command, [
    'python3',
    '-m',
    'trainer.launcher',
    'fetch-bundle',
    '--url',
    'http://aar-eval.aar.svc:18081/v1/tasks/mnist1d/bundle',
    '--out',
    '/aar/in/bundle.npz',
    '--spec',
    '/etc/aar/run/spec.json',
    '--spec-out',
    '/aar/in/spec.json',
  ]);
  assert.deepEqual(secretEnv(fetch), {
    AAR_BUNDLE_TOKEN: { name: jobNameFor(run.runId), key: 'bundle-token' },
  });
  assert.deepEqual(
    fetch.volumeMounts?.map((m) => [m.name, m.mountPath, m.readOnly ?? false]),
    [
      ['run', '/etc/aar/run', true],
      ['aar-in', '/aar/in', false],
      ['launcher-tmp', '/tmp', false],
    ],
  );
});

test('the student container runs the student under its wall-clock limit and always exits 0, recording the code', () => {
  const { student } = containersOf(buildJobManifest(run, settings));
  assert.deepEqual(student.command, [
    '/bin/sh',
    '-c',
    'timeout --kill-after=10 300 python3 -m student run --spec /aar/in/spec.json --bundle /aar/in/bundle.npz --seed 3 --out /aar/out/result.json; echo $? > /aar/out/exit-code',
  ]);
  assert.equal(student.args, undefined);
  assert.deepEqual(
    student.volumeMounts?.map((m) => [m.name, m.mountPath, m.readOnly ?? false]),
    [
      ['aar-in', '/aar/in', true],
      ['aar-out', '/aar/out', false],
      ['student-tmp', '/tmp', false],
      ['dshm', '/dev/shm', false],
    ],
  );
});

test('takes the wall-clock limit from the run request, else from the settings, and refuses one that is not positive', () => {
  const limit = (extra: object) =>
    containersOf(buildJobManifest({ ...run, ...extra }, settings)).student.command?.[2]?.match(
      /timeout --kill-after=10 (\d+) /,
    )?.[1];
  assert.equal(limit({ wallLimitSeconds: 1800 }), '1800');
  assert.equal(limit({ wallLimitSeconds: 90.5 }), '91');
  assert.equal(limit({}), '300');
  assert.throws(() => buildJobManifest({ ...run, wallLimitSeconds: 0 }, settings), RangeError);
});

const FORBIDDEN_ENV = /TOKEN|KEY|PASSWORD|PASSWD|URL|SECRET|CREDENTIAL/i;
for (const [what, runSpec, extra] of [
  ['a bundled task', spec, {}],
  [
    'a text task with a model volume and every option',
    textSpec,
    { priorityClassName: 'p', runtimeClassName: 'gvisor', queueName: 'q' },
  ],
] as const) {
  test(`gives the student of ${what} no token, key, password, URL or secret: no Secret volume, an env allow-list only`, () => {
    const job = buildJobManifest(
      { ...run, spec: runSpec },
      testJobSettings('ns', { modelVolume: { claimName: 'models', mountPath: '/models' }, ...extra }),
    );
    const { pod, student } = containersOf(job);
    for (const env of student.env ?? []) {
      assert.doesNotMatch(env.name, FORBIDDEN_ENV, `${env.name} names a credential or an address`);
      assert.equal(env.valueFrom, undefined, `${env.name} is a literal, never read from a Secret or field`);
      assert.doesNotMatch(env.value ?? '', /https?:|aar-api|aar-eval/, `${env.name} holds no address`);
    }
    assert.deepEqual((student.env ?? []).map((e) => e.name).sort(), [
      'HF_HUB_OFFLINE',
      'HOME',
      'PYTHONUNBUFFERED',
      'TMPDIR',
      'TRANSFORMERS_OFFLINE',
    ]);
    assert.equal(student.envFrom, undefined);
    const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
    for (const mount of student.volumeMounts ?? []) {
      const volume = volumes.get(mount.name);
      assert.ok(volume, `${mount.name} is a volume of the pod`);
      assert.equal(volume.secret, undefined, `${mount.name} does not come from a Secret`);
      assert.equal(volume.projected, undefined, `${mount.name} is not projected (no token, no Secret)`);
      assert.equal(volume.configMap, undefined);
      assert.equal(volume.downwardAPI, undefined);
    }
    assert.equal(pod.automountServiceAccountToken, false, 'no service-account token in any container');
    assert.ok(!JSON.stringify(student).includes('v1/runs'), 'the student does not know the upload URL');
    assert.ok(!JSON.stringify(student).includes('bundle-token'));
  });
}

test('the upload container uploads aar-out (aar-in and aar-out read-only) with the upload token and the run id', () => {
  const { upload } = containersOf(buildJobManifest(run, settings));
  assert.deepEqual(upload.command, [
    'python3',
    '-m',
    'trainer.launcher',
    'upload',
    '--run-dir',
    '/aar/out',
    '--url',
    `http://aar-api.aar.svc:18080/v1/runs/${run.runId}/result`,
    '--run-id',
    run.runId,
    '--wall-seconds',
    String(settings.wallLimitSeconds),
    '--spec',
    '/aar/in/spec.json',
    '--started-from',
    '/aar/in/bundle.npz',
  ]);
  assert.deepEqual(secretEnv(upload), {
    AAR_UPLOAD_TOKEN: { name: jobNameFor(run.runId), key: 'upload-token' },
  });
  assert.deepEqual(
    upload.volumeMounts?.map((m) => [m.name, m.mountPath, m.readOnly ?? false]),
    [
      ['aar-in', '/aar/in', true],
      ['aar-out', '/aar/out', true],
      ['launcher-tmp', '/tmp', false],
    ],
  );
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
