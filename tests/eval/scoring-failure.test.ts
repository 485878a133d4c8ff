import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Scoring } from '../../server/eval/scoring/scoring.js';
import { testLogger } from '../helpers/silent-logger.js';
import { type EvalTestServer, startEvalServer } from './helpers/eval-server.js';
import type { FaultyWorkerData } from './helpers/faulty-scoring-worker.js';
import { predictions, syntheticTask } from './helpers/synthetic-task.js';

/**
 * A scoring worker that dies or hangs costs a submission a clear 503 it can retry, or a retry
 * inside the server, never a request that waits forever; nothing is stored or counted for it,
 * and the refusal is audited like any other answer.
 */

const servers: EvalTestServer[] = [];
const task = syntheticTask({ testSize: 200, seed: 3 });

/** A server whose scoring workers have `fault`, with one experiment of agent a1 registered. */
async function serverWith(fault: FaultyWorkerData['fault'], taskTimeoutMs = 60_000) {
  const scoring = Scoring.create({
    logger: testLogger,
    size: 1,
    taskTimeoutMs,
    entry: new URL('./helpers/faulty-scoring-worker.ts', import.meta.url),
    workerData: { fault, starts: new Int32Array(new SharedArrayBuffer(4)) },
  });
  const server = await startEvalServer({}, { scoring });
  servers.push(server);
  assert.equal((await server.client.loadTask('mnist1d', task)).status, 201);
  await server.client.register('exp-f1', { campaignId: 'c1', agentId: 'a1', taskId: 'mnist1d', seeds: 1 });
  return server;
}

const submit = (server: EvalTestServer, idempotencyKey: string) =>
  server.client.submit(
    null,
    {
      experimentId: 'exp-f1',
      idempotencyKey,
      seeds: [{ seed: 0, probabilities: predictions(task.labels, 10, 0.8, 1) }],
    },
    { actAs: 'c1/a1' },
  );
const adminSubmit = (server: EvalTestServer, idempotencyKey: string) =>
  server.client.request('POST', '/v1/submissions', {
    actAs: 'c1/a1',
    json: {
      experimentId: 'exp-f1',
      idempotencyKey,
      seeds: [{ seed: 0, probabilities: predictions(task.labels, 10, 0.8, 1) }],
    },
  });
const count = async (server: EvalTestServer, table: string) =>
  Number((await server.db.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);

after(async () => {
  for (const server of servers) await server.close();
});

test('a submission whose scoring worker keeps dying answers 503 with Retry-After, records nothing, and is audited', async () => {
  const server = await serverWith('crash');
  const started = Date.now();
  const res = await adminSubmit(server, 'f-1');
  assert.equal(res.status, 503, res.text);
  assert.equal(res.body.error.code, 'unavailable');
  assert.match(res.body.error.message, /nothing was recorded: send the same request again/);
  assert.equal(res.headers.get('retry-after'), '5');
  assert.ok(Date.now() - started < 60_000, 'answered, not left hanging');
  assert.equal(await count(server, 'submissions'), 0);
  const audit = await server.db.pool.query(
    "SELECT entry FROM audit_log WHERE entry->>'route' = '/v1/submissions' ORDER BY seq DESC LIMIT 1",
  );
  assert.equal(audit.rows[0]?.entry.status, 503);
});

test('a submission whose scoring worker died once is scored on a fresh worker and accepted', async () => {
  const server = await serverWith('crash-once');
  const res = await adminSubmit(server, 'f-2');
  assert.equal(res.status, 201, res.text);
  assert.equal(await count(server, 'submissions'), 1);
});

test('a scoring task that hangs answers 503 once it runs past the timeout, and the retry is accepted', async () => {
  const server = await serverWith('hang-once', 2000);
  const res = await adminSubmit(server, 'f-3');
  assert.equal(res.status, 503, res.text);
  assert.match(res.body.error.message, /ran too long/);
  assert.equal(await count(server, 'submissions'), 0);
  const retried = await adminSubmit(server, 'f-3');
  assert.equal(retried.status, 201, retried.text);
  assert.equal(retried.body.budget.remainingThisHour, server.settings.budgetPerHour - 1, 'counted once');
});

test('an unauthenticated submission is refused before any worker reads its body', async () => {
  const server = await serverWith('crash');
  const res = await submit(server, 'f-4');
  assert.equal(res.status, 401);
});
