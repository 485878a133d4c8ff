import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { insertCampaign, insertRunningCampaign } from '../../activities/store/campaigns.js';
import { insertExperiment } from '../../activities/store/experiments.js';
import { ensureRun } from '../../activities/store/runs.js';
import { CampaignSpec } from '../../core/campaign-spec.js';
import { parseWith } from '../../core/validation.js';
import { deriveRunToken } from '../../runtime/run-token.js';
import { type Stack, startStack } from '../helpers/stack.js';

let stack: Stack;
const runId = 'api-c-agent-1-0000-s0-a1';
const spec = parseWith(
  CampaignSpec,
  { apiVersion: 'aar/v1', name: 'api', task: 'mnist1d', agents: [{ id: 'agent-1' }] },
  'spec',
);

const bundle = (patch: Record<string, unknown> = {}) => ({
  resultVersion: 1,
  status: 'succeeded',
  task: 'mnist1d',
  seed: 0,
  spec: null,
  predictions: [
    [0.25, 0.75],
    [0.5, 0.5],
  ],
  curve: [{ epoch: 1, trainLoss: 0.7, weakValAccuracy: 0.6 }],
  weakValidationAccuracy: 0.6,
  stoppedEpoch: 1,
  trainExamples: 100,
  wallSeconds: 1.5,
  device: 'cpu',
  versions: { torch: '1.13' },
  ...patch,
});

async function upload(token: string, body: unknown, id = runId) {
  const response = await fetch(`${stack.apiUrl}/v1/runs/${id}/result`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

before(async () => {
  stack = await startStack();
  await insertCampaign(
    stack.record.pool,
    { campaignId: 'api-c', name: 'api', taskId: 'mnist1d', spec: {} },
    'campaign-api-c',
  );
  await insertRunningCampaign(stack.record.pool, 'api-c', spec, 'campaign-api-c');
  await insertExperiment(stack.record.pool, {
    id: 'api-c-agent-1-0000',
    campaignId: 'api-c',
    agentId: 'agent-1',
    seq: 0,
    hypothesis: 'h',
    spec: {},
    seeds: [0],
    noEval: false,
  });
  await ensureRun(stack.record.pool, {
    runId,
    experimentId: 'api-c-agent-1-0000',
    seed: 0,
    attempt: 1,
    executor: 'local',
  });
});

after(async () => {
  await stack.close();
});

test("refuses a result upload without a token or with another run's token", async () => {
  const none = await fetch(`${stack.apiUrl}/v1/runs/${runId}/result`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(bundle()),
  });
  assert.equal(none.status, 401);
  const other = await upload(deriveRunToken(stack.runTokenKey, 'some-other-run'), bundle());
  assert.equal(other.status, 401);
  assert.equal(other.body.error.code, 'unauthorized');
});

test('rejects a malformed result bundle naming the bad field, before storing anything', async () => {
  const bad = await upload(
    deriveRunToken(stack.runTokenKey, runId),
    bundle({ wallSeconds: -1, extra: true }),
  );
  assert.equal(bad.status, 400);
  assert.ok(bad.body.error.details.some((d: { path: string }) => d.path === '/wallSeconds'));
  const stored = await stack.record.pool.query('SELECT count(*)::int AS n FROM results');
  assert.equal(stored.rows[0].n, 0);
});

test('stores a result once; the same upload again is a harmless duplicate and a different one a conflict', async () => {
  const token = deriveRunToken(stack.runTokenKey, runId);
  assert.deepEqual((await upload(token, bundle())).body, { runId, outcome: 'stored' });
  const again = await upload(token, bundle());
  assert.equal(again.status, 200);
  assert.equal(again.body.outcome, 'duplicate');
  const different = await upload(token, bundle({ wallSeconds: 9 }));
  assert.equal(different.status, 409);
  const run = await stack.record.pool.query('SELECT status FROM experiment_runs WHERE id = $1', [runId]);
  assert.equal(run.rows[0].status, 'succeeded');
});

test('answers an upload for an unknown run with 404', async () => {
  const id = 'api-c-agent-1-0000-s9-a1';
  const response = await upload(deriveRunToken(stack.runTokenKey, id), bundle(), id);
  assert.equal(response.status, 404);
});

test('refuses operator routes without the operator token', async () => {
  const response = await fetch(`${stack.apiUrl}/v1/campaigns`);
  assert.equal(response.status, 401);
  const body = (await response.json()) as any;
  assert.match(body.error.message, /Authorization: Bearer/);
});

test('rejects a campaign spec naming each bad field and the duplicate agent', async () => {
  const response = await stack.api('POST', '/v1/campaigns', {
    apiVersion: 'aar/v1',
    name: 'bad',
    task: 'Not A Task',
    seedsPerExperiment: 0,
    agents: [{ id: 'a' }, { id: 'a' }],
  });
  assert.equal(response.status, 400);
  const paths = response.body.error.details.map((d: { path: string }) => d.path);
  assert.ok(paths.includes('/task') && paths.includes('/seedsPerExperiment'), paths.join());
  const dup = await stack.api('POST', '/v1/campaigns', {
    apiVersion: 'aar/v1',
    name: 'dup',
    task: 'mnist1d',
    agents: [{ id: 'a' }, { id: 'a' }],
  });
  assert.equal(dup.status, 400);
  assert.match(dup.body.error.message, /duplicate agent id 'a'/);
});

test('keeps forum text as data: a script tag comes back as the same string, never interpreted', async () => {
  const body = '<script>alert("pwned")</script><img src=x onerror=alert(1)>';
  const post = await stack.api('POST', '/v1/campaigns/api-c/forum', { kind: 'question', title: 'xss', body });
  assert.equal(post.status, 201);
  const thread = await stack.api('GET', `/v1/forum/posts/${post.body.id}`);
  assert.equal(thread.body.post.body, body);
  assert.equal(thread.body.post.authorKind, 'operator');
});

test('threads forum replies under their post and lists threads with reply counts', async () => {
  const root = await stack.api('POST', '/v1/campaigns/api-c/forum', {
    kind: 'finding',
    title: 'root',
    body: 'first',
  });
  await stack.api('POST', '/v1/campaigns/api-c/forum', {
    kind: 'message',
    body: 'a reply',
    parentId: root.body.id,
  });
  const thread = await stack.api('GET', `/v1/forum/posts/${root.body.id}`);
  assert.deepEqual(
    thread.body.replies.map((r: { body: string }) => r.body),
    ['a reply'],
  );
  const list = await stack.api('GET', '/v1/campaigns/api-c/forum?kind=finding');
  assert.equal(list.body.threads[0].replies, 1);
  const orphan = await stack.api('POST', '/v1/campaigns/api-c/forum', {
    kind: 'message',
    body: 'x',
    parentId: 999999,
  });
  assert.equal(orphan.status, 404);
});

test('posting with the same idempotency key twice makes one post', async () => {
  const first = await stack.api('POST', '/v1/campaigns/api-c/forum', {
    kind: 'message',
    body: 'once',
    idempotencyKey: 'key-12345678',
  });
  const second = await stack.api('POST', '/v1/campaigns/api-c/forum', {
    kind: 'message',
    body: 'once',
    idempotencyKey: 'key-12345678',
  });
  assert.equal(first.body.id, second.body.id);
});

test('serves an OpenAPI document generated from the route schemas', async () => {
  const response = await fetch(`${stack.apiUrl}/openapi.json`);
  const doc = (await response.json()) as any;
  assert.ok(doc.paths['/v1/campaigns'].post);
  assert.ok(doc.paths['/v1/runs/{runId}/result'].post);
});
