import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EvalTestServer, startEvalServer } from './helpers/eval-server.js';
import { assertNoLabelLeak } from './helpers/leak-check.js';
import { predictions, type SyntheticTask, syntheticTask } from './helpers/synthetic-task.js';

let server: EvalTestServer;
let task: SyntheticTask;
const tokens: Record<string, string> = {};
const best: Record<string, string> = {};
let n = 0;

const submit = (agentId: string, accuracy: number) =>
  server.client.submit(tokens[agentId]!, {
    experimentId: `exp-${agentId}`,
    idempotencyKey: `b-${++n}`,
    seeds: [0, 1].map((seed) => ({
      seed,
      probabilities: predictions(task.labels, 10, accuracy, n * 10 + seed),
    })),
  });

before(async () => {
  server = await startEvalServer();
  task = syntheticTask({ testSize: 2000, seed: 51 });
  await server.client.loadTask('mnist1d', task);
  for (const agentId of ['g1', 'g2']) {
    tokens[agentId] = await server.client.agentToken('c1', agentId);
    await server.client.register(`exp-${agentId}`, {
      campaignId: 'c1',
      agentId,
      taskId: 'mnist1d',
      seeds: 2,
    });
  }
  tokens.other = await server.client.agentToken('c2', 'other');
  best.g1 = (await submit('g1', 0.7)).body.submissionId;
  await submit('g1', 0.65);
  best.g2 = (await submit('g2', 0.85)).body.submissionId;
});

after(async () => {
  await server.close();
});

test("the public leaderboard shows each agent's Ladder-reported best with its interval and experiment", async () => {
  const res = await server.client.request('GET', '/v1/leaderboard?campaignId=c1&taskId=mnist1d', {
    token: tokens.g1,
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.step, 0.01);
  assert.deepEqual(
    res.body.entries.map((e: { agentId: string; experimentId: string; submissionId: string }) => [
      e.agentId,
      e.experimentId,
      e.submissionId,
    ]),
    [
      ['g2', 'exp-g2', best.g2],
      ['g1', 'exp-g1', best.g1],
    ],
  );
  for (const entry of res.body.entries) {
    for (const value of [entry.reportedPgr, entry.interval.low, entry.interval.high])
      assert.equal(Math.round(value * 100) / 100, value, 'on the step grid');
    assert.ok(entry.interval.low <= entry.reportedPgr && entry.reportedPgr <= entry.interval.high);
  }
});

test('the public leaderboard never shows an exact or a private score', async () => {
  const res = await server.client.request('GET', '/v1/leaderboard?campaignId=c1&taskId=mnist1d', {
    token: tokens.g2,
  });
  const exact = (await server.client.request('GET', `/v1/admin/submissions/${best.g2}`)).body.public;
  const entry = res.body.entries.find((e: { agentId: string }) => e.agentId === 'g2');
  assert.equal(entry.reportedPgr, Math.round(exact.meanPgr * 100) / 100);
  assert.doesNotMatch(res.text, /private|accuracy|perSeed/);
});

test("an agent cannot read another campaign's leaderboard", async () => {
  const res = await server.client.request('GET', '/v1/leaderboard?campaignId=c1&taskId=mnist1d', {
    token: tokens.other,
  });
  assert.equal(res.status, 403);
  assert.match(res.body.error.message, /your own campaign \(c2\)/);
});

test("the admin leaderboard shows each agent's best exact public score and that submission's private score", async () => {
  const res = await server.client.request('GET', '/v1/admin/leaderboard?campaignId=c1&taskId=mnist1d');
  assert.equal(res.status, 200);
  const [first, second] = res.body.entries;
  assert.equal(first.agentId, 'g2');
  assert.equal(first.best.submissionId, best.g2);
  assert.equal(second.best.submissionId, best.g1);
  assert.equal(second.submissions, 2);
  assert.equal(first.best.private.examples, 1000);
  assert.ok(first.best.private.meanPgr > second.best.private.meanPgr);
  assert.equal(first.best.public.perSeed.length, 2);
});

test('agents cannot read the admin leaderboard', async () => {
  const res = await server.client.request('GET', '/v1/admin/leaderboard?campaignId=c1&taskId=mnist1d', {
    token: tokens.g1,
  });
  assert.equal(res.status, 403);
});

test('no response body or log line of this file contains the test labels', async () => {
  await assertNoLabelLeak(server, ['mnist1d']);
});
