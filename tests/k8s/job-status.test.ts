import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1ContainerState, V1Job, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import { describeEnding, pendingState } from '../../activities/executors/k8s/job-status.js';

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

function pod(
  phase: string,
  state: V1ContainerState = {},
  options: { conditions?: V1PodCondition[]; reason?: string; message?: string; name?: string } = {},
): V1Pod {
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
      containerStatuses: [{ name: 'trainer', image: 'x', imageID: '', ready: false, restartCount: 0, state }],
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

test('reports an image that cannot be pulled as stuck', () => {
  const state = pendingState(job(), [
    pod('Pending', {
      waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "aar-trainer:nope"' },
    }),
  ]);
  assert.equal(state?.reason, 'ImagePullBackOff: Back-off pulling image "aar-trainer:nope"');
  assert.equal(state?.stuck, true);
  assert.equal(state?.metricReason, 'ImagePullBackOff');
});

test('reports a Job suspended by Kueue as pending admission', () => {
  const state = pendingState(job([], { suspend: true, template: {} }), []);
  assert.match(state?.reason ?? '', /Kueue/);
});

test('reports nothing pending while the trainer runs', () => {
  assert.equal(pendingState(job(), [pod('Running', { running: {} })]), null);
});

test('describes an OOMKilled pod as out_of_memory with its log tail', () => {
  const ending = describeEnding(
    failed(),
    [pod('Failed', terminated(137, 'OOMKilled', 'epoch 3\nCUDA out of memory'))],
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

test('maps the trainer exit code to its failure kind and names the Job condition', () => {
  const ending = describeEnding(
    failed(
      'PodFailurePolicy',
      'Container trainer for pod x failed with exit code 2 matching FailJob rule at index 1',
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

test('says why a trainer never ran when the deadline ended a pending Job', () => {
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
  assert.match(ending.failure?.message ?? '', /DeadlineExceeded.*never ran: ImagePullBackOff: no such image/);
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
