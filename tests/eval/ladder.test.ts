import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EvalTestServer, startEvalServer } from './helpers/eval-server.js';
import { assertNoLabelLeak } from './helpers/leak-check.js';
import { changeRows, predictions, type SyntheticTask, syntheticTask } from './helpers/synthetic-task.js';

let server: EvalTestServer;
let task: SyntheticTask;
let token: string;
let n = 0;

const submit = (probabilities: number[][], experimentId = 'exp-l1') =>
  server.client.submit(token, {
    experimentId,
    idempotencyKey: `l-${++n}`,
    seeds: [{ seed: 0, probabilities }],
  });
const exactPgr = async (submissionId: string): Promise<number> =>
  (await server.client.request('GET', `/v1/admin/submissions/${submissionId}`)).body.public.meanPgr;

before(async () => {
  server = await startEvalServer();
  task = syntheticTask({ testSize: 4000, seed: 31 });
  await server.client.loadTask('mnist1d', task);
  token = await server.client.agentToken('c1', 'l1');
  await server.client.register('exp-l1', { campaignId: 'c1', agentId: 'l1', taskId: 'mnist1d', seeds: 1 });
});

after(async () => {
  await server.close();
});

test('the first submission reports its public PGR rounded to the step', async () => {
  const res = await submit(predictions(task.labels, 10, 0.72, 1));
  assert.equal(res.body.improved, true);
  const exact = await exactPgr(res.body.submissionId);
  assert.equal(res.body.reportedPgr, Math.round(exact * 100) / 100, 'only the rounded score is revealed');
});

test('a worse submission leaves the reported PGR unchanged', async () => {
  const best = (await server.client.request('GET', '/v1/submissions', { token })).body.submissions[0]
    .reportedPgr;
  const res = await submit(predictions(task.labels, 10, 0.6, 2));
  assert.equal(res.body.improved, false);
  assert.equal(res.body.reportedPgr, best);
});

test('a submission better by more than the step moves the reported PGR', async () => {
  const before = (await server.client.request('GET', '/v1/submissions', { token })).body.submissions[0]
    .reportedPgr;
  const res = await submit(predictions(task.labels, 10, 0.85, 3));
  assert.equal(res.body.improved, true);
  assert.ok(res.body.reportedPgr > before + 0.01);
});

test('repeated probing with a few changed predictions never moves the reported PGR', async () => {
  const base = predictions(task.labels, 10, 0.8, 4);
  const first = await submit(base);
  const reported = new Set<number>();
  for (let probe = 0; probe < 12; probe++) {
    const res = await submit(changeRows(base, [probe * 3, probe * 3 + 1], 10));
    assert.equal(res.status, 201);
    assert.equal(res.body.improved, false);
    reported.add(res.body.reportedPgr);
  }
  assert.deepEqual([...reported], [first.body.reportedPgr]);
});

test('no response body or log line of this file contains the test labels', async () => {
  await assertNoLabelLeak(server, ['mnist1d']);
});
