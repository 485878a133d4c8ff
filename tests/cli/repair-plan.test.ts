import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  findResetPoint,
  type HistoryEvent,
  isCompletedTask,
} from '../../server/api/dashboard/reset-point.js';
import { planRetries, RETRY_SEQ_BASE, retryOf } from '../../server/api/dashboard/retry-plan.js';

const completed = (id: number): HistoryEvent => ({ eventId: id, workflowTaskCompletedEventAttributes: {} });
const event = (id: number, attributes: string, value: Record<string, unknown>): HistoryEvent => ({
  eventId: id,
  [attributes]: value,
});
/** History ids arrive as protobuf Long objects: anything whose string form is the number. */
const long = (n: number) => ({ toString: () => String(n) });

test('a failed child workflow is undone from the workflow task that started it', () => {
  const history = [
    completed(4),
    event(5, 'activityTaskScheduledEventAttributes', { workflowTaskCompletedEventId: 4 }),
    completed(10),
    event(11, 'startChildWorkflowExecutionInitiatedEventAttributes', {
      workflowTaskCompletedEventId: long(10),
    }),
    event(12, 'childWorkflowExecutionStartedEventAttributes', { initiatedEventId: 11 }),
    completed(15),
    event(16, 'childWorkflowExecutionTerminatedEventAttributes', {
      initiatedEventId: long(11),
      workflowExecution: { workflowId: 'experiment-x' },
    }),
    completed(19),
  ];
  assert.deepEqual(findResetPoint(history), {
    eventId: 10,
    failure: { eventId: 16, kind: 'child workflow terminated', message: 'experiment-x' },
  });
});

test('a failed activity is undone from the workflow task that scheduled it', () => {
  const history = [
    completed(4),
    event(5, 'activityTaskScheduledEventAttributes', { workflowTaskCompletedEventId: 4 }),
    event(7, 'activityTaskFailedEventAttributes', {
      scheduledEventId: 5,
      failure: { message: 'policy crashed' },
    }),
  ];
  assert.deepEqual(findResetPoint(history), {
    eventId: 4,
    failure: { eventId: 7, kind: 'activity failed', message: 'policy crashed' },
  });
});

test('a failed workflow task goes back to the last completed one before it', () => {
  const history = [
    completed(4),
    completed(8),
    event(12, 'workflowTaskFailedEventAttributes', { cause: 24, failure: { message: 'nondeterminism' } }),
    completed(16),
  ];
  assert.equal(findResetPoint(history)?.eventId, 8);
});

test('routine workflow task failures are not failures: a signal race, a reset', () => {
  const history = [
    completed(4),
    event(5, 'workflowTaskFailedEventAttributes', { cause: 1 }),
    event(6, 'workflowTaskFailedEventAttributes', { cause: 'WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW' }),
    completed(9),
  ];
  assert.equal(findResetPoint(history), null);
});

test('a history without failures has no reset point', () => {
  assert.equal(findResetPoint([completed(4), completed(8)]), null);
});

test('an explicit reset point must be a completed workflow task of the history', () => {
  const history = [completed(4), event(5, 'activityTaskScheduledEventAttributes', {})];
  assert.equal(isCompletedTask(history, 4), true);
  assert.equal(isCompletedTask(history, 5), false);
});

const experiment = (id: string, status: string, seq = 0, agentId = 'agent-1') => ({
  id,
  agentId,
  seq,
  status,
});

test('retries exactly the experiments whose latest attempt failed', () => {
  const plan = planRetries([
    experiment('c-agent-1-0000', 'failed', 0),
    experiment('c-agent-1-0001', 'scored', 1),
    experiment('c-agent-1-0002', 'invalid', 2),
    experiment('c-agent-2-0000', 'failed', 0, 'agent-2'),
    experiment('c-agent-2-0000-retry1', 'scored', RETRY_SEQ_BASE + 1, 'agent-2'),
    experiment('c-agent-1-0003', 'failed', 3),
    experiment('c-agent-1-0003-retry1', 'failed', RETRY_SEQ_BASE + 301),
  ]);
  assert.deepEqual(
    plan.retries.map((r) => [r.latest.id, r.retryId, r.seq]),
    [
      ['c-agent-1-0000', 'c-agent-1-0000-retry1', RETRY_SEQ_BASE + 1],
      ['c-agent-1-0003-retry1', 'c-agent-1-0003-retry2', RETRY_SEQ_BASE + 302],
    ],
  );
  assert.deepEqual(plan.refused, []);
});

test('retries of one agent only, when asked', () => {
  const plan = planRetries(
    [experiment('c-agent-1-0000', 'failed'), experiment('c-agent-2-0000', 'failed', 0, 'agent-2')],
    { agentId: 'agent-2' },
  );
  assert.deepEqual(
    plan.retries.map((r) => r.retryId),
    ['c-agent-2-0000-retry1'],
  );
});

test('reads the original and attempt from a retry id', () => {
  assert.deepEqual(retryOf('c-agent-1-0003-retry12'), { original: 'c-agent-1-0003', attempt: 12 });
  assert.deepEqual(retryOf('c-agent-1-0003'), { original: 'c-agent-1-0003', attempt: 0 });
});
