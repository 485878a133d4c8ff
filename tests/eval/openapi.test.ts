import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EvalTestServer, startEvalServer } from './helpers/eval-server.js';
import { assertNoLabelLeak } from './helpers/leak-check.js';
import { predictions, syntheticTask } from './helpers/synthetic-task.js';

let server: EvalTestServer;
let doc: any;

before(async () => {
  server = await startEvalServer();
  const task = syntheticTask({ testSize: 100 });
  await server.client.loadTask('mnist1d', task);
  const token = await server.client.agentToken('c1', 'a1');
  await server.client.register('exp-1', { campaignId: 'c1', agentId: 'a1', taskId: 'mnist1d', seeds: 1 });
  await server.client.submit(token, {
    experimentId: 'exp-1',
    idempotencyKey: 'o-1',
    seeds: [{ seed: 0, probabilities: predictions(task.labels, 10, 0.8, 1) }],
  });
  doc = (await server.client.request('GET', '/openapi.json', { token: null })).body;
});

after(async () => {
  await server.close();
});

test('the OpenAPI document lists every /v1 route with a bearer requirement and described answers', () => {
  assert.match(doc.openapi, /^3\./);
  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item as object).map(([method, op]) => ({ path, method, op })),
  );
  assert.ok(operations.length >= 18, `${operations.length} operations`);
  for (const { path, method, op } of operations) {
    assert.ok(path.startsWith('/v1/'), path);
    assert.deepEqual(op.security, [{ bearer: [] }], `${method} ${path} security`);
    assert.ok(op.summary, `${method} ${path} summary`);
    for (const status of ['401', '403'])
      assert.ok(op.responses[status], `${method} ${path} answers ${status}`);
    for (const [status, response] of Object.entries(op.responses as Record<string, { content?: object }>))
      assert.ok(response.content, `${method} ${path} ${status} has a schema`);
  }
});

test('the OpenAPI document describes the submission body and its answers', () => {
  const post = doc.paths['/v1/submissions'].post;
  const body = post.requestBody.content['application/json'].schema;
  assert.deepEqual(body.required.sort(), ['experimentId', 'idempotencyKey', 'seeds']);
  assert.equal(body.properties.seeds.items.properties.probabilities.items.items.maximum, 1);
  assert.deepEqual(Object.keys(post.responses).sort(), [
    '200',
    '201',
    '400',
    '401',
    '403',
    '404',
    '409',
    '410',
    '413',
    '415',
    '429',
    '503',
  ]);
  const receipt = post.responses['201'].content['application/json'].schema;
  assert.ok(receipt.properties.reportedPgr);
  assert.ok(!('public' in receipt.properties));
});

test('/metrics exposes submissions by outcome, scoring latency, budget refusals and probe flags', async () => {
  const res = await server.client.request('GET', '/metrics', { token: null });
  assert.equal(res.status, 200);
  assert.match(res.text, /aar_eval_submissions_total\{outcome="accepted"\} 1/);
  assert.match(res.text, /aar_eval_scoring_duration_seconds_count 1/);
  assert.match(res.text, /# TYPE aar_eval_budget_refusals_total counter/);
  assert.match(res.text, /# TYPE aar_eval_probe_flags_total counter/);
});

test('/healthz answers ok without a token', async () => {
  const res = await server.client.request('GET', '/healthz', { token: null });
  assert.deepEqual([res.status, res.body], [200, { status: 'ok' }]);
});

test('an unknown route answers 404 with the stable error shape', async () => {
  const res = await server.client.request('GET', '/v1/nothing-here');
  assert.equal(res.status, 404);
  assert.equal(res.body.error.code, 'not_found');
});

test('no response body or log line of this file contains the test labels', async () => {
  await assertNoLabelLeak(server, ['mnist1d']);
});
