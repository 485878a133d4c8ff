import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EvalTestServer, startEvalServer } from './helpers/eval-server.js';
import { assertNoLabelLeak } from './helpers/leak-check.js';
import { predictions, type SyntheticTask, syntheticTask } from './helpers/synthetic-task.js';

const PER_HOUR = 5;
const PER_CAMPAIGN = 8;
let server: EvalTestServer;
let task: SyntheticTask;
let n = 0;

const body = (experimentId: string) => ({
  experimentId,
  idempotencyKey: `k-${++n}`,
  seeds: [{ seed: 0, probabilities: predictions(task.labels, 10, 0.7, n) }],
});

/** An agent with a token and one registered experiment. */
async function agent(agentId: string): Promise<{ token: string; experimentId: string }> {
  const token = await server.client.agentToken('c1', agentId);
  const experimentId = `exp-${agentId}`;
  await server.client.register(experimentId, { campaignId: 'c1', agentId, taskId: 'mnist1d', seeds: 1 });
  return { token, experimentId };
}

before(async () => {
  server = await startEvalServer({ budgetPerHour: PER_HOUR, budgetPerCampaign: PER_CAMPAIGN });
  task = syntheticTask({ testSize: 200, seed: 5 });
  await server.client.loadTask('mnist1d', task);
});

after(async () => {
  await server.close();
});

test('refuses the submission past the hourly budget with 429 and Retry-After, and records it', async () => {
  const { token, experimentId } = await agent('b1');
  for (let i = 0; i < PER_HOUR; i++) {
    const res = await server.client.submit(token, body(experimentId));
    assert.equal(res.status, 201);
    assert.equal(res.body.budget.remainingThisHour, PER_HOUR - i - 1);
  }
  const refused = await server.client.submit(token, body(experimentId));
  assert.equal(refused.status, 429);
  assert.equal(refused.body.error.code, 'submission_budget_exhausted');
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(
    Number.isInteger(retryAfter) && retryAfter > 3500 && retryAfter <= 3600,
    `Retry-After ${retryAfter}`,
  );
  const violations = await server.client.request('GET', '/v1/admin/violations?campaignId=c1&agentId=b1');
  assert.deepEqual(
    violations.body.violations.map((v: { kind: string; detail: unknown }) => [v.kind, v.detail]),
    [['budget_exhausted', { window: 'hour' }]],
  );
  const metrics = await server.client.request('GET', '/metrics', { token: null });
  assert.match(metrics.text, /aar_eval_budget_refusals_total\{window="hour"\} 1/);
  assert.match(metrics.text, /aar_eval_submissions_total\{outcome="budget_exhausted"\} 1/);
});

test('an idempotent replay past the budget still returns the first answer', async () => {
  const { token, experimentId } = await agent('b2');
  const first = body(experimentId);
  const accepted = await server.client.submit(token, first);
  for (let i = 1; i < PER_HOUR; i++) await server.client.submit(token, body(experimentId));
  assert.equal((await server.client.submit(token, body(experimentId))).status, 429);
  const replay = await server.client.submit(token, first);
  assert.equal(replay.status, 200);
  assert.deepEqual(replay.body, accepted.body);
});

test('concurrent submissions of one agent never exceed the budget', async () => {
  const { token, experimentId } = await agent('b3');
  const answers = await Promise.all(
    Array.from({ length: 24 }, () => server.client.submit(token, body(experimentId))),
  );
  const statuses = answers.map((a) => a.status);
  assert.equal(statuses.filter((s) => s === 201).length, PER_HOUR, statuses.join(','));
  assert.equal(statuses.filter((s) => s === 429).length, 24 - PER_HOUR);
  const stored = await server.db.pool.query(
    "SELECT count(*)::int AS n FROM submissions WHERE agent_id = 'b3'",
  );
  assert.equal(stored.rows[0].n, PER_HOUR);
  const remaining = answers.filter((a) => a.status === 201).map((a) => a.body.budget.remainingThisHour);
  assert.deepEqual(remaining.sort(), [0, 1, 2, 3, 4], 'each accepted submission saw the ones before it');
});

test('concurrent retries of one idempotency key store one submission', async () => {
  const { token, experimentId } = await agent('b4');
  const request = body(experimentId);
  const answers = await Promise.all(Array.from({ length: 8 }, () => server.client.submit(token, request)));
  assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 200, 200, 200, 200, 201]);
  assert.equal(new Set(answers.map((a) => a.body.submissionId)).size, 1);
});

test('the hourly window slides: older submissions stop counting after an hour', async () => {
  const { token, experimentId } = await agent('b5');
  for (let i = 0; i < PER_HOUR; i++) await server.client.submit(token, body(experimentId));
  await server.db.pool.query(
    "UPDATE submissions SET created_at = now() - interval '61 minutes' WHERE agent_id = 'b5'",
  );
  const res = await server.client.submit(token, body(experimentId));
  assert.equal(res.status, 201);
  assert.equal(res.body.budget.remainingThisHour, PER_HOUR - 1);
  assert.equal(res.body.budget.remainingInCampaign, PER_CAMPAIGN - PER_HOUR - 1);
});

test('refuses past the campaign budget with 429 and no Retry-After', async () => {
  const { token, experimentId } = await agent('b6');
  for (let i = 0; i < PER_CAMPAIGN; i++) {
    await server.db.pool.query(
      "UPDATE submissions SET created_at = now() - interval '2 hours' WHERE agent_id = 'b6'",
    );
    assert.equal((await server.client.submit(token, body(experimentId))).status, 201);
  }
  await server.db.pool.query(
    "UPDATE submissions SET created_at = now() - interval '2 hours' WHERE agent_id = 'b6'",
  );
  const refused = await server.client.submit(token, body(experimentId));
  assert.equal(refused.status, 429);
  assert.equal(refused.body.error.code, 'campaign_budget_exhausted');
  assert.equal(refused.headers.get('retry-after'), null);
  assert.match(refused.body.error.message, /waiting will not help/);
});

test("one agent's exhausted budget does not limit another agent", async () => {
  const { token, experimentId } = await agent('b7');
  assert.equal((await server.client.submit(token, body(experimentId))).status, 201);
});

test('no response body or log line of this file contains the test labels', async () => {
  await assertNoLabelLeak(server, ['mnist1d']);
});
