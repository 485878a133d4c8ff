import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EvalTestServer, startEvalServer } from './helpers/eval-server.js';
import { assertNoLabelLeak } from './helpers/leak-check.js';
import { predictions, syntheticTask } from './helpers/synthetic-task.js';

let server: EvalTestServer;
const task = syntheticTask({ task: 'cmp', testSize: 4000, weak: 0.6, ceiling: 0.9, seed: 11 });
const seeds = [1000, 1001, 1002];
const arm = (accuracy: number, offset: number) => ({
  seeds: seeds.map((seed, i) => ({
    seed,
    probabilities: predictions(task.labels, 10, accuracy, offset + i),
  })),
});

before(async () => {
  server = await startEvalServer();
  const loaded = await server.client.loadTask('cmp', task);
  assert.equal(loaded.status, 201);
});

after(async () => {
  await server.close();
});

test('a clearly better candidate beats its comparator on the private half with a small p-value', async () => {
  const answer = await server.client.request('POST', '/v1/admin/comparisons', {
    json: {
      taskId: 'cmp',
      split: 'private',
      candidate: 'candidate',
      arms: { candidate: arm(0.8, 10), naive: arm(0.7, 20) },
    },
  });
  assert.equal(answer.status, 200, answer.text);
  const result = answer.body;
  assert.equal(result.examples, 2000);
  assert.deepEqual(result.seeds, seeds);
  const vsNaive = result.comparisons.naive;
  assert.ok(vsNaive.accuracyDifference > 0.05, JSON.stringify(vsNaive));
  assert.ok(vsNaive.pValue < 0.01);
  assert.ok(vsNaive.pgrInterval.low > 0);
  assert.ok(
    Math.abs(result.arms.candidate.meanPgr - (result.arms.candidate.meanAccuracy - 0.6) / 0.3) < 1e-9,
  );
});

test('two arms of equal quality are not told apart', async () => {
  const answer = await server.client.request('POST', '/v1/admin/comparisons', {
    json: {
      taskId: 'cmp',
      split: 'all',
      candidate: 'candidate',
      arms: { candidate: arm(0.75, 30), other: arm(0.75, 40) },
    },
  });
  assert.equal(answer.status, 200);
  assert.ok(answer.body.comparisons.other.pValue > 0.05);
  assert.equal(answer.body.examples, 4000);
});

test('refuses arms with different seeds, and a candidate that names no arm', async () => {
  const mismatch = await server.client.request('POST', '/v1/admin/comparisons', {
    json: {
      taskId: 'cmp',
      split: 'private',
      candidate: 'candidate',
      arms: {
        candidate: arm(0.8, 1),
        naive: { seeds: [{ seed: 7, probabilities: predictions(task.labels, 10, 0.7, 2) }] },
      },
    },
  });
  assert.equal(mismatch.status, 400);
  assert.match(mismatch.body.error.message, /every arm must use the candidate's seeds/);
  const noArm = await server.client.request('POST', '/v1/admin/comparisons', {
    json: {
      taskId: 'cmp',
      split: 'private',
      candidate: 'ghost',
      arms: { candidate: arm(0.8, 1), naive: arm(0.7, 2) },
    },
  });
  assert.equal(noArm.status, 400);
});

test('only the admin may compare', async () => {
  const token = await server.client.agentToken('c', 'a');
  const answer = await server.client.request('POST', '/v1/admin/comparisons', {
    token,
    json: {
      taskId: 'cmp',
      split: 'private',
      candidate: 'candidate',
      arms: { candidate: arm(0.8, 1), naive: arm(0.7, 2) },
    },
  });
  assert.equal(answer.status, 403);
});

test('no response body or log line of this file contains the test labels', async () => {
  await assertNoLabelLeak(server, ['cmp']);
});
