import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { buildApiApp } from '../../server/api/app.js';
import type { App } from '../../server/http/base-app.js';
import { aar, aarJson, stackEnv } from '../cli/cli-runner.js';
import { smallCampaign } from '../helpers/campaigns.js';
import { testLogger } from '../helpers/silent-logger.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * Operator identities and roles against the real api server: minting, rotating and revoking with
 * the CLI, what each role may do, the identity recorded on actions, server-side dashboard
 * sessions, and the Secure cookie behind a trusted proxy.
 */

let stack: Stack;
const tokens: Record<'viewer' | 'operator' | 'approver' | 'admin', string> = {
  viewer: '',
  operator: '',
  approver: '',
  admin: '',
};

async function call(token: string | null, method: string, path: string, body?: unknown, headers = {}) {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : JSON.parse(text), headers: response.headers };
}

before(async () => {
  stack = await startStack();
  for (const role of ['viewer', 'operator', 'approver', 'admin'] as const) {
    const minted = await aarJson(stackEnv(stack), [
      'operator',
      'mint',
      '--name',
      `${role}-1`,
      '--role',
      role,
    ]);
    tokens[role] = minted.token;
  }
});

after(async () => {
  await stack.close();
});

test('the CLI mints, lists, rotates and revokes operator identities, printing each secret once', async () => {
  const env = stackEnv(stack);
  const minted = await aar(env, ['operator', 'mint', '--name', 'alice', '--role', 'approver']);
  assert.equal(minted.code, 0, minted.stderr);
  const token = /token: (\S+)/.exec(minted.stdout)![1]!;
  const id = /minted (op-[a-z0-9-]+)/.exec(minted.stdout)![1]!;
  assert.equal((await call(token, 'GET', '/v1/session')).body.operator.name, 'alice');

  const listed = await aarJson(env, ['operator', 'list']);
  const alice = listed.operators.find((o: { name: string }) => o.name === 'alice');
  assert.deepEqual([alice.id, alice.role, alice.revokedAt], [id, 'approver', null]);
  assert.ok(
    listed.operators.some(
      (o: { name: string; configured: boolean }) => o.name === 'operator-token' && o.configured,
    ),
  );
  assert.doesNotMatch(JSON.stringify(listed), new RegExp(token));
  const row = await stack.record.pool.query('SELECT token_hash FROM operators WHERE id = $1', [id]);
  assert.equal(row.rows[0].token_hash.length, 32, 'only a SHA-256 is stored');

  const taken = await aar(env, ['operator', 'mint', '--name', 'alice', '--role', 'viewer']);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /alice exists/);

  const rotated = await aarJson(env, ['operator', 'rotate', id]);
  assert.notEqual(rotated.token, token);
  assert.equal((await call(token, 'GET', '/v1/campaigns')).status, 401, 'the old token stops working');
  assert.equal((await call(rotated.token, 'GET', '/v1/campaigns')).status, 200);

  const revoked = await aarJson(env, ['operator', 'revoke', id]);
  assert.ok(revoked.revokedAt);
  assert.equal((await call(rotated.token, 'GET', '/v1/campaigns')).status, 401);
  const configured = await aar(env, ['operator', 'revoke', 'op-operator-token']);
  assert.equal(configured.code, 1);
  assert.match(configured.stderr, /AAR_OPERATOR_TOKEN/);
});

test('each role may use its family of routes and is refused the next role up', async () => {
  const cases: [string, string, string, unknown, 'viewer' | 'operator' | 'approver' | 'admin', number][] = [
    ['read', 'GET', '/v1/campaigns', undefined, 'viewer', 200],
    ['action', 'POST', '/v1/campaigns/no-such/pause', {}, 'operator', 404],
    [
      'sign-off',
      'POST',
      '/v1/promotions/promotion-no-such/sign-off',
      { accept: true, reason: 'fine' },
      'approver',
      404,
    ],
    ['flag clearing', 'POST', '/v1/flags/999999/clear', { reason: 'a false alarm' }, 'approver', 404],
    ['identities', 'GET', '/v1/operators', undefined, 'admin', 200],
  ];
  const below = { viewer: null, operator: 'viewer', approver: 'operator', admin: 'approver' } as const;
  for (const [family, method, path, body, role, passed] of cases) {
    assert.equal((await call(null, method, path, body)).status, 401, `${family}: no token`);
    assert.equal((await call(tokens[role], method, path, body)).status, passed, `${family}: ${role}`);
    assert.equal((await call(tokens.admin, method, path, body)).status, passed, `${family}: admin`);
    const lower = below[role];
    if (lower !== null) {
      const refused = await call(tokens[lower], method, path, body);
      assert.equal(refused.status, 403, `${family}: ${lower}`);
      assert.match(refused.body.error.message, new RegExp(`needs the ${role} role`));
    }
  }
});

test('the configured AAR_OPERATOR_TOKEN still works, as an admin named operator-token', async () => {
  const session = await call(stack.operatorToken, 'GET', '/v1/session');
  assert.equal(session.status, 200);
  assert.deepEqual(session.body.operator, { id: 'op-operator-token', name: 'operator-token', role: 'admin' });
  assert.equal((await call(stack.operatorToken, 'GET', '/v1/operators')).status, 200);
});

test('an action and the campaign launcher are recorded under the token identity, whatever the caller claims', async () => {
  const spec = smallCampaign('ident', 1, 1);
  const started = await call(tokens.operator, 'POST', '/v1/campaigns', spec, { 'x-aar-operator': 'mallory' });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const paused = await call(
    tokens.approver,
    'POST',
    `/v1/campaigns/${spec.id}/pause`,
    {},
    { 'x-aar-operator': 'mallory' },
  );
  assert.equal(paused.status, 202, JSON.stringify(paused.body));
  const campaign = await stack.record.pool.query('SELECT launched_by FROM campaigns WHERE id = $1', [
    spec.id,
  ]);
  assert.equal(campaign.rows[0].launched_by, 'operator-1');
  const actions = await stack.record.pool.query(
    'SELECT action, actor FROM operator_actions WHERE campaign_id = $1 ORDER BY id',
    [spec.id],
  );
  assert.deepEqual(
    actions.rows.filter((r) => r.action !== 'register').map((r) => [r.action, r.actor]),
    [
      ['start', 'operator-1'],
      ['pause', 'approver-1'],
    ],
  );
});

async function login(token: string): Promise<string> {
  const answer = await call(null, 'POST', '/v1/session', { token });
  assert.equal(answer.status, 200);
  return String(answer.headers.get('set-cookie')).split(';')[0]!;
}

test('a dashboard session stops working after logout', async () => {
  const cookie = await login(tokens.viewer);
  assert.equal((await call(null, 'GET', '/v1/campaigns', undefined, { cookie })).status, 200);
  const out = await call(null, 'DELETE', '/v1/session', undefined, { cookie });
  assert.equal(out.status, 200);
  assert.equal(
    (await call(null, 'GET', '/v1/campaigns', undefined, { cookie })).status,
    401,
    'the copied cookie is dead',
  );
});

test('a dashboard session stops working when its identity is revoked', async () => {
  const minted = await aarJson(stackEnv(stack), ['operator', 'mint', '--name', 'bob', '--role', 'operator']);
  const cookie = await login(minted.token);
  const session = await call(null, 'GET', '/v1/session', undefined, { cookie });
  assert.deepEqual([session.body.via, session.body.operator.name], ['cookie', 'bob']);
  await aarJson(stackEnv(stack), ['operator', 'revoke', minted.id]);
  assert.equal((await call(null, 'GET', '/v1/campaigns', undefined, { cookie })).status, 401);
  assert.equal((await call(null, 'POST', '/v1/session', { token: minted.token })).status, 401);
});

test('the session cookie is Secure when a trusted proxy says https, and not otherwise', async () => {
  const build = (trustProxy: boolean): App =>
    buildApiApp({
      pool: stack.record.runtimePool,
      logger: testLogger,
      registry: new Registry(),
      temporal: stack.temporal.client,
      orchestratorQueue: `${stack.queuePrefix}orchestrator`,
      namespace: stack.temporal.namespace,
      temporalUiUrl: 'http://temporal.example:8233',
      operatorToken: stack.operatorToken,
      runTokenKey: stack.runTokenKey,
      trustProxy,
    });
  const cookieOf = async (app: App, headers: Record<string, string>) =>
    String(
      (await app.inject({ method: 'POST', url: '/v1/session', headers, payload: { token: tokens.viewer } }))
        .headers['set-cookie'],
    );
  const trusting = build(true);
  const plain = build(false);
  try {
    assert.match(
      await cookieOf(trusting, { 'x-forwarded-proto': 'https' }),
      /; HttpOnly; SameSite=Strict; Secure$/,
    );
    assert.doesNotMatch(await cookieOf(trusting, {}), /Secure/);
    assert.doesNotMatch(await cookieOf(plain, { 'x-forwarded-proto': 'https' }), /Secure/);
  } finally {
    await trusting.close();
    await plain.close();
  }
});
