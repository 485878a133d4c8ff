import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { REPO_ROOT } from '../../runtime/config.js';
import { buildEvalApp } from '../../server/eval/app.js';
import { linkHash } from '../../server/eval/audit/audit-chain.js';
import { type EvalTestServer, startEvalServer } from './helpers/eval-server.js';
import { assertNoLabelLeak } from './helpers/leak-check.js';
import { predictions, type SyntheticTask, syntheticTask } from './helpers/synthetic-task.js';

let server: EvalTestServer;
let task: SyntheticTask;
let agentToken: string;

const entries = async (after = 0) =>
  (await server.client.request('GET', `/v1/admin/audit?after=${after}&limit=1000`)).body.entries as {
    seq: number;
    prevHash: string;
    hash: string;
    entry: Record<string, any>;
  }[];
const headSeq = async () => Number((await server.db.pool.query('SELECT seq FROM audit_head')).rows[0].seq);
const verifyCommand = () =>
  spawnSync(process.execPath, ['--import', 'tsx', 'server/eval/verify-audit.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, EVAL_DATABASE_URL: server.db.url },
    encoding: 'utf8',
    timeout: 60_000,
  });
const asAttacker = async (sql: string) => {
  await server.db.pool.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
  try {
    await server.db.pool.query(sql);
  } finally {
    await server.db.pool.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
  }
};

let pristine: { seq: string; prev_hash: string; hash: string; entry: unknown }[] = [];

/** Puts back the audit rows saved before the tampering tests (as an operator restoring a backup). */
async function restore(): Promise<void> {
  await asAttacker('DELETE FROM audit_log');
  for (const row of pristine) {
    await asAttacker(
      `INSERT INTO audit_log (seq, prev_hash, hash, entry) VALUES (${row.seq}, '${row.prev_hash}', '${row.hash}', '${JSON.stringify(row.entry)}'::jsonb)`,
    );
  }
  await server.db.pool.query('UPDATE audit_head SET seq = $1, hash = $2', [
    pristine.at(-1)!.seq,
    pristine.at(-1)!.hash,
  ]);
}

before(async () => {
  server = await startEvalServer();
  task = syntheticTask({ testSize: 200, seed: 3 });
  await server.client.loadTask('mnist1d', task);
  agentToken = await server.client.agentToken('c1', 'a1');
  await server.client.register('exp-1', { campaignId: 'c1', agentId: 'a1', taskId: 'mnist1d', seeds: 1 });
});

after(async () => {
  await server.close();
});

test('every request to the submission and task routes is appended, accepted or refused', async () => {
  const start = await headSeq();
  const submission = {
    experimentId: 'exp-1',
    idempotencyKey: 'audit-1',
    seeds: [{ seed: 0, probabilities: predictions(task.labels, 10, 0.8, 1) }],
  };
  await server.client.submit(agentToken, submission); // 201
  await server.client.submit(agentToken, submission); // 200 replay
  await server.client.submit('wrong-token-0123456789', submission); // 401
  await server.client.submit(agentToken, { ...submission, idempotencyKey: 'audit-2', seeds: [] }); // 400
  await server.client.request('GET', '/v1/tasks/nope', { token: agentToken }); // 404
  await server.client.request('GET', '/v1/tasks/mnist1d/bundle', { token: agentToken }); // 200
  const added = (await entries(start)).map((e) => [
    e.entry.method,
    e.entry.route,
    e.entry.status,
    e.entry.outcome,
  ]);
  assert.deepEqual(added, [
    ['POST', '/v1/submissions', 201, 'ok'],
    ['POST', '/v1/submissions', 200, 'ok'],
    ['POST', '/v1/submissions', 401, 'unauthorized'],
    ['POST', '/v1/submissions', 400, 'invalid_request'],
    ['GET', '/v1/tasks/:taskId', 404, 'task_not_found'],
    ['GET', '/v1/tasks/:taskId/bundle', 200, 'ok'],
  ]);
});

test('an accepted submission is recorded with its sender, ids and payload hash', async () => {
  const accepted = (await entries()).find(
    (e) => e.entry.status === 201 && e.entry.route === '/v1/submissions',
  );
  assert.ok(accepted);
  assert.deepEqual(accepted.entry.actor, {
    role: 'agent',
    campaignId: 'c1',
    agentId: 'a1',
    viaAdmin: false,
    tokenId: accepted.entry.actor.tokenId,
  });
  assert.match(accepted.entry.refs.submissionId, /^sub_/);
  assert.equal(accepted.entry.refs.experimentId, 'exp-1');
  assert.match(accepted.entry.detail.payloadSha256, /^[0-9a-f]{64}$/);
});

test('each entry holds the hash of the one before', async () => {
  const all = await entries();
  assert.ok(all.length >= 8);
  assert.equal(all[0]!.prevHash, '0'.repeat(64));
  for (let i = 1; i < all.length; i++) {
    assert.equal(all[i]!.prevHash, all[i - 1]!.hash);
    assert.equal(all[i]!.hash, linkHash(all[i]!.prevHash, all[i]!.entry));
  }
});

test('audit entries never hold a bearer token', async () => {
  const text = JSON.stringify(await entries());
  assert.doesNotMatch(text, new RegExp(agentToken));
  assert.doesNotMatch(text, new RegExp(server.adminToken));
  assert.doesNotMatch(text, /wrong-token-0123456789/);
});

test('the verify route and command report an intact chain', async () => {
  const res = await server.client.request('GET', '/v1/admin/audit/verify');
  assert.equal(res.body.ok, true);
  assert.equal(res.body.firstBrokenSeq, null);
  const run = verifyCommand();
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^OK \d+ entries, head [0-9a-f]{64}\n$/);
});

test('the database refuses to update or delete audit entries', async () => {
  await assert.rejects(
    server.db.pool.query("UPDATE audit_log SET entry = '{}' WHERE seq = 1"),
    /append-only/,
  );
  await assert.rejects(server.db.pool.query('DELETE FROM audit_log WHERE seq = 1'), /append-only/);
});

test('an entry tampered in the database is found by the verify route and command', async () => {
  pristine = (await server.db.pool.query('SELECT seq, prev_hash, hash, entry FROM audit_log ORDER BY seq'))
    .rows;
  await asAttacker(`UPDATE audit_log SET entry = jsonb_set(entry, '{outcome}', '"tampered"') WHERE seq = 3`);
  try {
    const res = await server.client.request('GET', '/v1/admin/audit/verify');
    assert.equal(res.body.ok, false);
    assert.equal(res.body.firstBrokenSeq, 3);
    assert.match(res.body.reason, /does not match its hash/);
    const run = verifyCommand();
    assert.equal(run.status, 1);
    assert.match(run.stdout, /BROKEN at entry 3: the entry does not match its hash/);
  } finally {
    await restore();
  }
});

test('a rehashed entry is found at the next link', async () => {
  const row = (await server.db.pool.query('SELECT prev_hash, entry FROM audit_log WHERE seq = 4')).rows[0];
  const forged = { ...row.entry, outcome: 'forged' };
  await asAttacker(
    `UPDATE audit_log SET entry = '${JSON.stringify(forged)}'::jsonb, hash = '${linkHash(row.prev_hash, forged)}' WHERE seq = 4`,
  );
  try {
    const res = await server.client.request('GET', '/v1/admin/audit/verify');
    assert.equal(res.body.firstBrokenSeq, 5);
    assert.match(res.body.reason, /prev_hash does not match/);
  } finally {
    await restore();
  }
});

test('deleting the newest entries is found against the head', async () => {
  const last = await headSeq();
  await asAttacker(`DELETE FROM audit_log WHERE seq >= ${last - 1}`);
  try {
    const res = await server.client.request('GET', '/v1/admin/audit/verify');
    assert.equal(res.body.ok, false);
    assert.equal(res.body.firstBrokenSeq, last - 1);
    assert.match(res.body.reason, /entries were removed/);
    const run = verifyCommand();
    assert.equal(run.status, 1);
    assert.match(run.stdout, new RegExp(`BROKEN at entry ${last - 1}`));
  } finally {
    await restore();
  }
});

test('the server recomputes the chain on its own and its /metrics gauges turn to 0 when a link breaks', async () => {
  const registry = new Registry();
  const watcher = buildEvalApp({
    pool: server.db.pool,
    logger: pino({ level: 'silent' }),
    registry,
    settings: { ...server.settings, auditVerifyIntervalMs: 50 },
  });
  await watcher.ready();
  const gauge = async (name: string) => {
    const res = await watcher.inject({ method: 'GET', url: '/metrics' });
    const line = res.body.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  };
  const until = async (name: string, want: number) => {
    for (let i = 0; i < 400 && (await gauge(name)) !== want; i++) await sleep(25);
    assert.equal(await gauge(name), want, `${name} never became ${want}`);
  };
  try {
    await until('aar_audit_chain_ok', 1);
    assert.equal(await gauge('aar_audit_entries'), await headSeq());
    const verifiedAt = await gauge('aar_audit_last_verified_timestamp_seconds');
    assert.ok(verifiedAt !== undefined && Math.abs(verifiedAt - Date.now() / 1000) < 60);
    pristine = (await server.db.pool.query('SELECT seq, prev_hash, hash, entry FROM audit_log ORDER BY seq'))
      .rows;
    await asAttacker(
      `UPDATE audit_log SET entry = jsonb_set(entry, '{outcome}', '"tampered"') WHERE seq = 2`,
    );
    try {
      await until('aar_audit_chain_ok', 0);
    } finally {
      await restore();
    }
    await until('aar_audit_chain_ok', 1);
  } finally {
    await watcher.close();
  }
});

test('no response body or log line of this file contains the test labels', async () => {
  await assertNoLabelLeak(server, ['mnist1d']);
});
