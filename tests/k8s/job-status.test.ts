import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1ContainerState, V1Job, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { describeEnding, jobGpus } from '../../activities/executors/k8s/job-ending.js';
import { isRunning, pendingState } from '../../activities/executors/k8s/job-status.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:10:00Z';

function job(
  conditions: { type: string; reason?: string; message?: string }[] = [],
  extra: V1Job['spec'] = undefined,
): V1Job {
  return {
    metadata: { name: 'aar-run-1', creationTimestamp: T0 as unknown as Date },
    ...(extra ? { spec: extra } : {}),
    status: {
      startTime: T0 as unknown as Date,
      conditions: conditions.map((c) => ({
        status: 'True',
        lastTransitionTime: T1 as unknown as Date,
        ...c,
      })),
    },
  };
}

const COMPLETED: V1ContainerState = { terminated: { exitCode: 0, reason: 'Completed' } };
const NOT_STARTED: V1ContainerState = { waiting: { reason: 'PodInitializing' } };

/** A pod of the run: `state` is the `upload` container's; `fetch` and `student` ran unless Pending or given. */
function pod(
  phase: string,
  state: V1ContainerState = {},
  options: {
    conditions?: V1PodCondition[];
    reason?: string;
    message?: string;
    name?: string;
    fetch?: V1ContainerState;
    student?: V1ContainerState;
  } = {},
): V1Pod {
  const status = (name: string, s: V1ContainerState) => ({
    name,
    image: 'x',
    imageID: '',
    ready: false,
    restartCount: 0,
    state: s,
  });
  return {
    metadata: {
      name: options.name ?? 'aar-run-1-abcde',
      creationTimestamp: T0 as unknown as Date,
      uid: options.name ?? 'p1',
    },
    status: {
      phase,
      ...(options.reason ? { reason: options.reason, message: options.message } : {}),
      conditions: options.conditions ?? [],
      initContainerStatuses: [
        status('fetch', options.fetch ?? (phase === 'Pending' ? NOT_STARTED : COMPLETED)),
        status('student', options.student ?? (phase === 'Pending' ? NOT_STARTED : COMPLETED)),
      ],
      containerStatuses: [status('upload', state)],
    },
  };
}

const failed = (reason = 'BackoffLimitExceeded', message = 'Job has reached the specified backoff limit') =>
  job([{ type: 'Failed', reason, message }]);
const terminated = (exitCode: number, reason = 'Error', message?: string): V1ContainerState => ({
  terminated: { exitCode, reason, ...(message ? { message } : {}) },
});

test('reports an unschedulable pod as pending with the scheduler message', () => {
  const state = pendingState(job(), [
    pod(
      'Pending',
      {},
      {
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            reason: 'Unschedulable',
            message: '0/2 nodes are available: 2 Insufficient nvidia.com/gpu.',
          },
        ],
      },
    ),
  ]);
  assert.equal(state?.reason, 'Unschedulable: 0/2 nodes are available: 2 Insufficient nvidia.com/gpu.');
  assert.equal(state?.metricReason, 'Unschedulable');
  assert.equal(state?.stuck, false, 'waiting for a GPU is normal queueing');
  assert.equal(state?.sinceMs, Date.parse(T0));
});

test('reports a student image that cannot be pulled as stuck, after fetch ran', () => {
  const state = pendingState(job(), [
    pod(
      'Pending',
      { waiting: { reason: 'PodInitializing' } },
      {
        fetch: COMPLETED,
        student: {
          waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "aar-student:nope"' },
        },
      },
    ),
  ]);
  assert.equal(state?.reason, 'ImagePullBackOff: Back-off pulling image "aar-student:nope"');
  assert.equal(state?.stuck, true);
  assert.equal(state?.metricReason, 'ImagePullBackOff');
});

test('reports a Job suspended by Kueue as pending admission', () => {
  const state = pendingState(job([], { suspend: true, template: {} }), []);
  assert.match(state?.reason ?? '', /Kueue/);
});

test('reports nothing pending while the pod runs', () => {
  assert.equal(pendingState(job(), [pod('Running', { running: {} })]), null);
});

test('counts a pod whose student init container runs as running, not pending', () => {
  const training = pod(
    'Pending',
    { waiting: { reason: 'PodInitializing' } },
    { student: { running: { startedAt: T0 as unknown as Date } } },
  );
  assert.equal(isRunning([training]), true);
  assert.equal(pendingState(job(), [training]), null);
});

test('describes a pod whose student init container was OOMKilled as out_of_memory with its log tail', () => {
  const ending = describeEnding(
    failed(),
    [
      pod(
        'Failed',
        { waiting: { reason: 'PodInitializing' } },
        { student: terminated(137, 'OOMKilled', 'epoch 3\nCUDA out of memory') },
      ),
    ],
    Date.parse(T1),
  );
  assert.equal(ending.exitCode, 137);
  assert.equal(ending.failure?.kind, 'out_of_memory');
  assert.match(ending.failure?.message ?? '', /OOMKilled/);
  assert.equal(ending.failure?.detail, 'epoch 3\nCUDA out of memory');
  assert.equal(ending.metricReason, 'OOMKilled');
  assert.equal(ending.wallSeconds, 600);
});

test('describes an Evicted pod with the kubelet message', () => {
  const ending = describeEnding(
    failed(),
    [pod('Failed', terminated(137), { reason: 'Evicted', message: 'The node was low on resource: memory.' })],
    Date.parse(T1),
  );
  assert.match(ending.failure?.message ?? '', /Evicted: The node was low on resource: memory\./);
  assert.equal(ending.metricReason, 'Evicted');
});

test('maps the student exit code the upload container passes on to its failure kind and names the Job condition', () => {
  const ending = describeEnding(
    failed(
      'PodFailurePolicy',
      'Container upload for pod x failed with exit code 2 matching FailJob rule at index 1',
    ),
    [pod('Failed', terminated(2))],
    Date.parse(T1),
    { logTail: 'spec.training.epochs: must be >= 1' },
  );
  assert.equal(ending.exitCode, 2);
  assert.equal(ending.failure?.kind, 'invalid_spec');
  assert.match(ending.failure?.message ?? '', /exited with code 2 .*PodFailurePolicy/);
  assert.equal(ending.failure?.detail, 'spec.training.epochs: must be >= 1');
});

test('says why a run never started when the deadline ended a pending Job', () => {
  const pending = pendingState(job(), [
    pod('Pending', { waiting: { reason: 'ImagePullBackOff', message: 'no such image' } }),
  ]);
  const ending = describeEnding(
    failed('DeadlineExceeded', 'Job was active longer than specified deadline'),
    [pod('Failed', terminated(143))],
    Date.parse(T1),
    {
      neverRan: pending!,
    },
  );
  assert.equal(ending.exitCode, null);
  assert.match(
    ending.failure?.message ?? '',
    /DeadlineExceeded.*never started: ImagePullBackOff: no such image/,
  );
  assert.equal(ending.metricReason, 'ImagePullBackOff');
});

test('ignores preempted pods when it looks for the pod that failed the Job', () => {
  const preempted = pod('Failed', terminated(143), {
    name: 'aar-run-1-first',
    conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }],
  });
  const ending = describeEnding(
    failed(),
    [preempted, pod('Failed', terminated(4), { name: 'aar-run-1-second' })],
    Date.parse(T1),
  );
  assert.equal(ending.failure?.kind, 'nan_loss');
  assert.match(ending.failure?.message ?? '', /aar-run-1-second/);
});

test('a completed Job ends with exit code 0 and no failure', () => {
  const ending = describeEnding(
    job([{ type: 'Complete' }]),
    [pod('Succeeded', terminated(0, 'Completed'))],
    Date.parse(T1),
  );
  assert.deepEqual(ending, { exitCode: 0, wallSeconds: 600 });
});

const endings: [string, Parameters<typeof pod>[2], V1ContainerState, string, number | null, RegExp][] = [
  [
    'a fetch init container that failed as bundle_error',
    { fetch: terminated(6, 'Error', 'GET bundle: 401 Unauthorized'), student: {} },
    { waiting: { reason: 'PodInitializing' } },
    'bundle_error',
    6,
    /could not fetch the task bundle/,
  ],
  [
    'exit code 124 from the student (passed on by upload) as timeout',
    {},
    terminated(124),
    'timeout',
    124,
    /wall-clock limit/,
  ],
  [
    'the timeout exit code of the trainer table as timeout',
    {},
    terminated(7),
    'timeout',
    7,
    /exited with code 7/,
  ],
  [
    'exit code 137 from the student without an OOMKilled status as resource_limit',
    {},
    terminated(137),
    'resource_limit',
    137,
    /was killed/,
  ],
  [
    'an OOMKilled student whose shell wrapper survived as out_of_memory, with the code upload passed on',
    { student: terminated(0, 'OOMKilled') },
    terminated(137),
    'out_of_memory',
    137,
    /OOMKilled/,
  ],
  [
    'a student wrapper that failed by itself with its own exit code',
    { student: terminated(3) },
    { waiting: { reason: 'PodInitializing' } },
    'hook_error',
    3,
    /exited with code 3/,
  ],
];
for (const [what, options, upload, kind, exitCode, message] of endings) {
  test(`describes ${what}`, () => {
    const ending = describeEnding(failed(), [pod('Failed', upload, options)], Date.parse(T1));
    assert.equal(ending.failure?.kind, kind);
    assert.equal(ending.exitCode, exitCode);
    assert.match(ending.failure?.message ?? '', message);
  });
}

test('reads the student log, not the uploader message, to explain an exit code upload passed on', () => {
  const ending = describeEnding(
    failed(),
    [pod('Failed', terminated(3, 'Error', 'uploaded a failure result'))],
    Date.parse(T1),
    { logTail: 'Traceback: loss hook raised' },
  );
  assert.equal(ending.culprit, 'upload');
  assert.equal(ending.logContainer, 'student');
  assert.equal(ending.failure?.detail, 'Traceback: loss hook raised');
});

test('counts the GPUs of the student init container as the GPUs of the Job', () => {
  const withGpus: V1Job = {
    spec: {
      template: {
        spec: {
          initContainers: [
            { name: 'fetch', resources: { requests: { cpu: '100m' } } },
            { name: 'student', resources: { requests: { 'nvidia.com/gpu': '2' } } },
          ],
          containers: [{ name: 'upload' }],
        },
      },
    },
  };
  assert.equal(jobGpus(withGpus, 'nvidia.com/gpu'), 2);
  assert.equal(jobGpus(job(), 'nvidia.com/gpu'), 0);
});
