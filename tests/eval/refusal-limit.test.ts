import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { buildEvalApp } from '../../server/eval/app.js';
import { BOOTSTRAP_REPLICATES } from '../../server/eval/settings.js';
import type { App } from '../../server/http/base-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { testLogger } from '../helpers/silent-logger.js';

/**
 * Requests refused for their token are limited per source, counted in metrics, and audited once
 * per source and window: a flood of bad tokens neither fills the audit chain nor holds its lock.
 */

const adminToken = `admin-${randomBytes(16).toString('hex')}`;
const LIMIT = 5;
let db: TestDatabase;
let app: App;
let registry: Registry;

before(async () => {
  db = await createTestDatabase({ migrate: 'eval' });
  registry = new Registry();
  app = buildEvalApp({
    pool: db.pool,
    logger: testLogger,
    registry,
    settings: {
      adminToken,
      budgetPerHour: 1000,
      budgetPerCampaign: 10_000,
      ladderStep: 0.01,
      probeFraction: 0.01,
      submissionBodyLimit: 16 * 1024 * 1024,
      taskBodyLimit: 64 * 1024 * 1024,
      bootstrapReplicates: BOOTSTRAP_REPLICATES,
      auditVerifyIntervalMs: 0,
    },
    http: { authFailureLimit: { max: LIMIT, windowMs: 60_000 } },
  });
  await app.ready();
});

after(async () => {
  await app.close();
  await db.drop();
});

const refusedEntries = async (source: string) => {
  const { rows } = await db.pool.query<{
    entry: { status: number; outcome: string; refs: { source?: string } };
  }>("SELECT entry FROM audit_log WHERE entry->'refs'->>'source' = $1 ORDER BY seq", [source]);
  return rows.map((r) => r.entry);
};

const adminRequest = (remoteAddress: string) =>
  app.inject({
    remoteAddress,
    method: 'GET',
    url: '/v1/admin/tokens',
    headers: { authorization: `Bearer ${adminToken}` },
  });

const submitWithBadToken = (remoteAddress: string) =>
  app.inject({
    remoteAddress,
    method: 'POST',
    url: '/v1/submissions',
    headers: { authorization: `Bearer bad-${randomBytes(12).toString('hex')}` },
    payload: {},
  });

test('a flood of bad tokens from one source is answered 429 past the limit and audited once', async () => {
  // The orchestrator's token is in use from this address before the flood starts.
  assert.equal((await adminRequest('10.0.0.7')).statusCode, 200);
  const statuses: number[] = [];
  for (let i = 0; i < 3 * LIMIT; i++) statuses.push((await submitWithBadToken('10.0.0.7')).statusCode);
  assert.deepEqual(statuses, [
    ...Array.from({ length: LIMIT }, () => 401),
    ...Array.from({ length: 2 * LIMIT }, () => 429),
  ]);
  const entries = await refusedEntries('10.0.0.7');
  assert.equal(entries.length, 1);
  assert.equal(entries[0]!.status, 401);
  assert.equal(entries[0]!.outcome, 'unauthorized');
});

test('each source gets its own window and its own audit entry', async () => {
  for (let i = 0; i < 3; i++) await submitWithBadToken('10.0.0.8');
  assert.equal((await refusedEntries('10.0.0.8')).length, 1);
  assert.equal((await submitWithBadToken('10.0.0.8')).statusCode, 401);
});

test('refusals and throttled requests are counted by outcome', async () => {
  const metrics = await registry.metrics();
  assert.match(metrics, /aar_http_refused_requests_total\{outcome="unauthorized"\} 9/);
  assert.match(metrics, /aar_http_refused_requests_total\{outcome="throttled"\} 10/);
  assert.match(metrics, /aar_eval_submissions_total\{outcome="rate_limited"\} 10/);
  assert.match(metrics, /aar_eval_submissions_total\{outcome="unauthorized"\} 9/);
});

test('a token in use from a throttled source is still served and audited', async () => {
  const before = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
  assert.equal((await adminRequest('10.0.0.7')).statusCode, 200);
  const afterwards = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
  assert.equal(afterwards.rows[0]!.n, before.rows[0]!.n + 1);
});

test('good tokens from other sources are never throttled', async () => {
  for (let i = 0; i < 3 * LIMIT; i++) assert.equal((await adminRequest('10.0.0.9')).statusCode, 200);
});

test('the audit chain stays whole', async () => {
  const answer = await app.inject({
    method: 'GET',
    url: '/v1/admin/audit/verify',
    headers: { authorization: `Bearer ${adminToken}` },
  });
  assert.equal(answer.statusCode, 200);
  assert.equal(answer.json().ok, true);
});
