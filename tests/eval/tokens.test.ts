import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { type EvalTestServer, startEvalServer } from './helpers/eval-server.js';
import { assertNoLabelLeak } from './helpers/leak-check.js';
import { syntheticTask } from './helpers/synthetic-task.js';

let server: EvalTestServer;

const mint = (json: Record<string, unknown>) => server.client.request('POST', '/v1/admin/tokens', { json });
const whoCanRead = (token: string) => server.client.request('GET', '/v1/submissions', { token });

before(async () => {
  server = await startEvalServer();
  await server.client.loadTask('mnist1d', syntheticTask({ testSize: 100 }));
});

after(async () => {
  await server.close();
});

test('mints an agent token that is shown once and stored only as its sha256', async () => {
  const minted = await mint({ role: 'agent', campaignId: 'c1', agentId: 'a1' });
  assert.equal(minted.status, 201);
  assert.match(minted.body.token, /^aar_eval_agent_[A-Za-z0-9_-]{43}$/);
  const rows = await server.db.pool.query('SELECT * FROM tokens WHERE id = $1', [minted.body.tokenId]);
  assert.equal(rows.rows[0].token_sha256, createHash('sha256').update(minted.body.token).digest('hex'));
  assert.doesNotMatch(JSON.stringify(rows.rows), new RegExp(minted.body.token));
  const listed = await server.client.request('GET', '/v1/admin/tokens?campaignId=c1');
  assert.equal(listed.body.tokens.length, 1);
  assert.ok(!('token' in listed.body.tokens[0]));
  assert.doesNotMatch(listed.text, /token_sha256|tokenSha256/);
  assert.equal((await whoCanRead(minted.body.token)).status, 200);
});

test('a revoked token is refused with 401', async () => {
  const minted = await mint({ role: 'agent', campaignId: 'c1', agentId: 'a2' });
  const revoked = await server.client.request('DELETE', `/v1/admin/tokens/${minted.body.tokenId}`);
  assert.equal(revoked.status, 200);
  assert.notEqual(revoked.body.revokedAt, null);
  const res = await whoCanRead(minted.body.token);
  assert.equal(res.status, 401);
  assert.match(res.body.error.message, /revoked/);
});

test('rotating a token revokes the old one and keeps the binding', async () => {
  const old = await mint({ role: 'agent', campaignId: 'c1', agentId: 'a3' });
  const rotated = await server.client.request('POST', `/v1/admin/tokens/${old.body.tokenId}/rotate`);
  assert.equal(rotated.status, 201);
  assert.equal(rotated.body.agentId, 'a3');
  assert.notEqual(rotated.body.token, old.body.token);
  assert.equal((await whoCanRead(old.body.token)).status, 401);
  assert.equal((await whoCanRead(rotated.body.token)).status, 200);
  const again = await server.client.request('POST', `/v1/admin/tokens/${old.body.tokenId}/rotate`);
  assert.equal(again.status, 409);
});

test('an agent token past its expiry is refused with 401', async () => {
  const minted = await mint({
    role: 'agent',
    campaignId: 'c1',
    agentId: 'a4',
    expiresAt: '2000-01-01T00:00:00.000Z',
  });
  const res = await whoCanRead(minted.body.token);
  assert.equal(res.status, 401);
  assert.match(res.body.error.message, /expired at 2000-01-01/);
});

test('minting refuses an agent token without an agent id, and a run token without a task', async () => {
  const agent = await mint({ role: 'agent', campaignId: 'c1' });
  assert.equal(agent.status, 400);
  assert.match(agent.body.error.message, /needs campaignId and agentId/);
  const run = await mint({ role: 'run' });
  assert.equal(run.status, 400);
  assert.match(run.body.error.message, /needs the taskId/);
});

test('a run token lives for the requested time, at most a week', async () => {
  const minted = await mint({ role: 'run', taskId: 'mnist1d', ttlSeconds: 600 });
  const lifetime = Date.parse(minted.body.expiresAt) - Date.now();
  assert.ok(lifetime > 590_000 && lifetime <= 600_000, String(lifetime));
  assert.equal((await mint({ role: 'run', taskId: 'mnist1d', ttlSeconds: 8 * 24 * 3600 })).status, 400);
});

test('a malformed x-aar-act-as header is refused with 400', async () => {
  for (const actAs of ['c1', 'c1/a1/x', 'c1/../a1', '/a1']) {
    const res = await server.client.request('GET', '/v1/submissions', { actAs });
    assert.equal(res.status, 400, actAs);
    assert.match(res.body.error.message, /<campaignId>\/<agentId>/);
  }
});

test('minting tokens needs the admin token', async () => {
  const agent = await mint({ role: 'agent', campaignId: 'c1', agentId: 'a5' });
  const res = await server.client.request('POST', '/v1/admin/tokens', {
    token: agent.body.token,
    json: { role: 'agent', campaignId: 'c1', agentId: 'a6' },
  });
  assert.equal(res.status, 403);
});

test('no response body or log line of this file contains the test labels', async () => {
  await assertNoLabelLeak(server, ['mnist1d']);
});
