import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EvalTestServer, startEvalServer } from './helpers/eval-server.js';
import { assertNoLabelLeak } from './helpers/leak-check.js';
import { predictions, type SyntheticTask, syntheticTask } from './helpers/synthetic-task.js';

let server: EvalTestServer;
let task: SyntheticTask;
let tokenA1: string;
let tokenA2: string;
let keyCounter = 0;

const key = () => `key-${++keyCounter}`;
const seeds = (accuracy = 0.75, count = 2) =>
  Array.from({ length: count }, (_, seed) => ({
    seed,
    probabilities: predictions(task.labels, 10, accuracy, seed + 1),
  }));
const body = (overrides: Record<string, unknown> = {}) => ({
  experimentId: 'exp-a1',
  idempotencyKey: key(),
  seeds: seeds(),
  ...overrides,
});
const submissionCount = async () =>
  Number((await server.db.pool.query('SELECT count(*) AS n FROM submissions')).rows[0].n);

before(async () => {
  server = await startEvalServer({ submissionBodyLimit: 1_000_000 });
  task = syntheticTask({ testSize: 400, seed: 11 });
  assert.equal((await server.client.loadTask('mnist1d', task)).status, 201);
  tokenA1 = await server.client.agentToken('c1', 'a1');
  tokenA2 = await server.client.agentToken('c1', 'a2');
  await server.client.register('exp-a1', { campaignId: 'c1', agentId: 'a1', taskId: 'mnist1d', seeds: 2 });
  await server.client.register('exp-a2', { campaignId: 'c1', agentId: 'a2', taskId: 'mnist1d', seeds: 2 });
  await server.client.register('exp-no-eval', {
    campaignId: 'c1',
    agentId: 'a1',
    taskId: 'mnist1d',
    noEval: true,
  });
});

after(async () => {
  await server.close();
});

test('scores a valid submission and answers with the Ladder view only', async () => {
  const res = await server.client.submit(tokenA1, body());
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(Object.keys(res.body).sort(), [
    'budget',
    'experimentId',
    'idempotencyKey',
    'improved',
    'reportedPgr',
    'seeds',
    'step',
    'submissionId',
    'submittedAt',
    'taskId',
  ]);
  assert.equal(res.body.improved, true);
  assert.equal(res.body.step, 0.01);
  assert.equal(Math.round(res.body.reportedPgr * 100) / 100, res.body.reportedPgr, 'rounded to the step');
  assert.doesNotMatch(res.text, /accuracy|private|perSeed|interval/i);
});

test('refuses a request without a bearer token with 401', async () => {
  const res = await server.client.submit(null, body());
  assert.equal(res.status, 401);
  assert.equal(res.body.error.code, 'unauthorized');
  assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  assert.match(res.body.error.message, /Authorization: Bearer/);
});

test('refuses a wrong bearer token with 401', async () => {
  const res = await server.client.submit('aar_eval_agent_not-a-real-token-at-all', body());
  assert.equal(res.status, 401);
  assert.match(res.body.error.message, /unknown bearer token/);
});

test("refuses a submission for another agent's experiment with 403", async () => {
  const res = await server.client.submit(tokenA2, body({ experimentId: 'exp-a1' }));
  assert.equal(res.status, 403);
  assert.equal(res.body.error.code, 'forbidden');
  assert.match(res.body.error.message, /belongs to another agent/);
});

test('refuses a submission for an unregistered experiment with 404', async () => {
  const res = await server.client.submit(tokenA1, body({ experimentId: 'exp-unknown' }));
  assert.equal(res.status, 404);
  assert.equal(res.body.error.code, 'experiment_not_found');
});

test('refuses a body above the size limit with 413 before reading it', async () => {
  const raw = JSON.stringify(body()).replace('[', `[${' '.repeat(1_100_000)}`);
  const res = await server.client.request('POST', '/v1/submissions', { token: tokenA1, raw });
  assert.equal(res.status, 413);
  assert.equal(res.body.error.code, 'payload_too_large');
  assert.match(res.body.error.message, /at most 1000000 bytes/);
});

test('refuses a streamed body above the size limit with 413', async () => {
  const chunk = new TextEncoder().encode(`{"pad":"${'x'.repeat(100_000)}`);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 15) controller.enqueue(chunk);
      else controller.close();
    },
  });
  const res = await fetch(`${server.url}/v1/submissions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokenA1}`, 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  const text = await res.text();
  server.client.bodies.push(text);
  assert.equal(res.status, 413);
  assert.equal(JSON.parse(text).error.code, 'payload_too_large');
});

test('refuses probabilities of the wrong length with 400 naming the seed and the expected rows', async () => {
  const short = seeds();
  short[1]!.probabilities.pop();
  const res = await server.client.submit(tokenA1, body({ seeds: short }));
  assert.equal(res.status, 400);
  assert.equal(res.body.error.code, 'invalid_predictions');
  assert.deepEqual(res.body.error.details[0], {
    path: '/seeds/1/probabilities',
    message: "has 399 rows; the task's test set has 400 (one row per test example, in bundle order)",
  });
});

test('refuses a row with the wrong number of classes', async () => {
  const wide = seeds();
  wide[0]!.probabilities[7] = [...wide[0]!.probabilities[7]!, 0];
  const res = await server.client.submit(tokenA1, body({ seeds: wide }));
  assert.equal(res.status, 400);
  assert.equal(res.body.error.details[0].path, '/seeds/0/probabilities/7');
  assert.match(res.body.error.details[0].message, /has 11 columns; the task has 10 classes/);
});

test('refuses a bare NaN in the JSON body with 400', async () => {
  const raw = JSON.stringify(body()).replace('0.9', 'NaN');
  const res = await server.client.request('POST', '/v1/submissions', { token: tokenA1, raw });
  assert.equal(res.status, 400);
  assert.equal(res.body.error.code, 'invalid_request');
});

test('refuses NaN serialised as null with 400 naming the value', async () => {
  const nan = seeds();
  nan[0]!.probabilities[3]![2] = Number.NaN;
  const res = await server.client.submit(tokenA1, body({ seeds: nan }));
  assert.equal(res.status, 400);
  assert.ok(res.body.error.details.some((d: { path: string }) => d.path === '/seeds/0/probabilities/3/2'));
});

test('refuses a negative probability with 400', async () => {
  const negative = seeds();
  negative[0]!.probabilities[0]![0] = -0.1;
  const res = await server.client.submit(tokenA1, body({ seeds: negative }));
  assert.equal(res.status, 400);
  assert.match(res.body.error.message, /\/seeds\/0\/probabilities\/0\/0 must be >= 0/);
});

test('refuses a probability above 1 with 400', async () => {
  const above = seeds();
  above[1]!.probabilities[5]![9] = 1.5;
  const res = await server.client.submit(tokenA1, body({ seeds: above }));
  assert.equal(res.status, 400);
  assert.match(res.body.error.message, /\/seeds\/1\/probabilities\/5\/9 must be <= 1/);
});

test('refuses an infinite probability written as 1e400 with 400', async () => {
  const raw = JSON.stringify(body()).replace('0.9', '1e400');
  const res = await server.client.request('POST', '/v1/submissions', { token: tokenA1, raw });
  assert.equal(res.status, 400);
});

test('refuses probabilities given as strings with 400', async () => {
  const strings = seeds().map((s) => ({ ...s, probabilities: s.probabilities.map((r) => r.map(String)) }));
  const res = await server.client.submit(tokenA1, body({ seeds: strings }) as never);
  assert.equal(res.status, 400);
  assert.match(res.body.error.message, /must be number/);
  assert.ok(res.body.error.details.length <= 10, 'a wholly wrong payload gets a short answer');
});

test('refuses nested junk in place of probabilities with 400', async () => {
  for (const junk of [
    { experimentId: 'exp-a1', idempotencyKey: key(), seeds: 'all of them' },
    { experimentId: 'exp-a1', idempotencyKey: key(), seeds: [{ seed: 0, probabilities: [[{ a: [1] }]] }] },
    { experimentId: 'exp-a1', idempotencyKey: key(), seeds: [{ seed: 0, probabilities: { 0: [1] } }] },
    { experimentId: { $ne: null }, idempotencyKey: key(), seeds: seeds() },
    { ...body(), extra: true },
    [body()],
  ]) {
    const res = await server.client.request('POST', '/v1/submissions', { token: tokenA1, json: junk });
    assert.equal(res.status, 400, JSON.stringify(junk).slice(0, 100));
    assert.equal(res.body.error.code, 'invalid_request');
  }
});

test('refuses rows that do not sum to 1 with 400', async () => {
  const off = seeds();
  off[0]!.probabilities[10] = Array(10).fill(0.05);
  const res = await server.client.submit(tokenA1, body({ seeds: off }));
  assert.equal(res.status, 400);
  assert.match(res.body.error.details[0].message, /sums to 0\.500000; each row must be a probability vector/);
});

test('refuses more seeds than the experiment registered with 400', async () => {
  const res = await server.client.submit(tokenA1, body({ seeds: seeds(0.75, 3) }));
  assert.equal(res.status, 400);
  assert.match(res.body.error.message, /has 3 seeds; the experiment was registered with 2/);
});

test('refuses a seed number given twice with 400', async () => {
  const twice = seeds();
  twice[1]!.seed = 0;
  const res = await server.client.submit(tokenA1, body({ seeds: twice }));
  assert.equal(res.status, 400);
  assert.match(res.body.error.message, /seed 0 appears more than once/);
});

test('invalid submissions are neither stored nor counted against the budget', async () => {
  const before = await submissionCount();
  const first = await server.client.submit(tokenA1, body());
  const bad = seeds();
  bad[0]!.probabilities.pop();
  for (let i = 0; i < 3; i++)
    assert.equal((await server.client.submit(tokenA1, body({ seeds: bad }))).status, 400);
  const second = await server.client.submit(tokenA1, body());
  assert.equal(await submissionCount(), before + 2);
  assert.equal(second.body.budget.remainingThisHour, first.body.budget.remainingThisHour - 1);
});

test('answers a repeated idempotency key with the same answer and counts it once', async () => {
  const request = body();
  const first = await server.client.submit(tokenA1, request);
  const again = await server.client.submit(tokenA1, request);
  assert.equal(first.status, 201);
  assert.equal(again.status, 200);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(again.body, first.body);
  const stored = await server.db.pool.query(
    'SELECT count(*)::int AS n FROM submissions WHERE idempotency_key = $1',
    [request.idempotencyKey],
  );
  assert.equal(stored.rows[0].n, 1);
  const next = await server.client.submit(tokenA1, body());
  assert.equal(next.body.budget.remainingThisHour, first.body.budget.remainingThisHour - 1);
});

test('refuses an idempotency key reused for different predictions with 409', async () => {
  const request = body();
  assert.equal((await server.client.submit(tokenA1, request)).status, 201);
  const res = await server.client.submit(tokenA1, { ...request, seeds: seeds(0.5) });
  assert.equal(res.status, 409);
  assert.equal(res.body.error.code, 'idempotency_conflict');
});

test('the same predictions under a new key get the same public interval', async () => {
  const same = seeds(0.7);
  const a = await server.client.submit(tokenA1, body({ seeds: same }));
  const b = await server.client.submit(tokenA1, body({ seeds: same }));
  const score = async (id: string) =>
    (await server.client.request('GET', `/v1/admin/submissions/${id}`)).body.public;
  assert.deepEqual(await score(a.body.submissionId), await score(b.body.submissionId));
});

test('refuses a submission of a no-eval experiment with 403 and records a violation', async () => {
  const before = await submissionCount();
  const res = await server.client.submit(tokenA1, body({ experimentId: 'exp-no-eval' }));
  assert.equal(res.status, 403);
  assert.equal(res.body.error.code, 'no_eval_violation');
  assert.equal(await submissionCount(), before);
  const violations = await server.client.request('GET', '/v1/admin/violations?campaignId=c1&kind=no_eval');
  assert.equal(violations.body.violations.length, 1);
  assert.equal(violations.body.violations[0].experimentId, 'exp-no-eval');
  assert.equal(violations.body.violations[0].agentId, 'a1');
});

test('the admin token acting as an agent submits exactly as that agent', async () => {
  const res = await server.client.submit(null, body(), { actAs: 'c1/a1' });
  assert.equal(res.status, 401, 'act-as without the admin token is refused');
  const acted = await server.client.request('POST', '/v1/submissions', { json: body(), actAs: 'c1/a1' });
  assert.equal(acted.status, 201, acted.text);
  assert.ok(!('public' in acted.body), 'act-as gets the agent view');
  const admin = await server.client.request('GET', `/v1/admin/submissions/${acted.body.submissionId}`);
  assert.equal(admin.body.viaAdmin, true);
  assert.equal(admin.body.agentId, 'a1');
});

test("the admin token acting as an agent is refused another agent's experiment", async () => {
  const res = await server.client.request('POST', '/v1/submissions', { json: body(), actAs: 'c1/a2' });
  assert.equal(res.status, 403);
  assert.equal(res.body.error.code, 'forbidden');
});

test('the admin token without x-aar-act-as cannot submit', async () => {
  const res = await server.client.request('POST', '/v1/submissions', { json: body() });
  assert.equal(res.status, 403);
  assert.match(res.body.error.message, /x-aar-act-as/);
});

test('an agent token cannot act as another agent', async () => {
  const res = await server.client.request('POST', '/v1/submissions', {
    token: tokenA2,
    json: body(),
    actAs: 'c1/a1',
  });
  assert.equal(res.status, 403);
  assert.match(res.body.error.message, /only the admin token may send x-aar-act-as/);
});

test("an agent reads its own submissions and not another agent's", async () => {
  const mine = await server.client.submit(tokenA1, body());
  const path = `/v1/submissions/${mine.body.submissionId}`;
  assert.deepEqual((await server.client.request('GET', path, { token: tokenA1 })).body, mine.body);
  const theirs = await server.client.request('GET', path, { token: tokenA2 });
  assert.equal(theirs.status, 404);
  assert.equal(theirs.body.error.code, 'submission_not_found');
  const list = await server.client.request('GET', '/v1/submissions', { token: tokenA2 });
  assert.deepEqual(list.body.submissions, []);
});

test('an agent token cannot read admin routes', async () => {
  for (const path of [
    '/v1/admin/submissions',
    '/v1/admin/violations?campaignId=c1',
    '/v1/admin/audit/verify',
  ]) {
    const res = await server.client.request('GET', path, { token: tokenA1 });
    assert.equal(res.status, 403, path);
    assert.match(res.body.error.message, /needs the admin token/);
  }
});

test('the admin view has the full public score, and the private score only on request', async () => {
  const res = await server.client.submit(tokenA1, body());
  const path = `/v1/admin/submissions/${res.body.submissionId}`;
  const plain = (await server.client.request('GET', path)).body;
  assert.equal(plain.public.perSeed.length, 2);
  assert.equal(plain.public.examples, 200);
  assert.ok(
    plain.public.pgrInterval.low <= plain.public.meanPgr &&
      plain.public.meanPgr <= plain.public.pgrInterval.high,
  );
  assert.ok(!('private' in plain));
  const full = (await server.client.request('GET', `${path}?include=private`)).body;
  assert.equal(full.private.examples, 200);
});

test('a run token cannot submit', async () => {
  const minted = await server.client.request('POST', '/v1/admin/tokens', {
    json: { role: 'run', taskId: 'mnist1d' },
  });
  const res = await server.client.submit(minted.body.token, body());
  assert.equal(res.status, 403);
});

test('no response body or log line of this file contains the test labels', async () => {
  await assertNoLabelLeak(server, ['mnist1d']);
});
