import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { outwardToStep } from '../../core/ladder.js';
import { buildEvalApp } from '../../server/eval/app.js';
import { payloadSha256 } from '../../server/eval/submissions/payload-hash.js';
import { type ScoredSubmission, scoreSubmission } from '../../server/eval/submissions/score.js';
import { testLogger } from '../helpers/silent-logger.js';
import { type EvalTestServer, startEvalServer } from './helpers/eval-server.js';
import { predictions, type SyntheticTask, syntheticTask } from './helpers/synthetic-task.js';

/**
 * Bootstrap intervals are computed after the receipt: stored once, equal to scoring in the
 * calling thread, and never lost: a process that stops before storing them leaves them pending,
 * and they are computed again, to the same numbers, when read or when the next server starts.
 */

let server: EvalTestServer;
let task: SyntheticTask;
let token: string;
let n = 0;
const STEP = 0.01;

before(async () => {
  server = await startEvalServer({ ladderStep: STEP });
  task = syntheticTask({ testSize: 1000, seed: 5 });
  assert.equal((await server.client.loadTask('mnist1d', task)).status, 201);
  token = await server.client.agentToken('c1', 'd1');
  await server.client.register('exp-d1', { campaignId: 'c1', agentId: 'd1', taskId: 'mnist1d', seeds: 3 });
});

after(async () => {
  await server.close();
});

/** Submits `seeds` seeds at `accuracy`; returns the receipt and the in-thread reference score. */
async function submitted(accuracy: number, seeds = 3): Promise<{ id: string; reference: ScoredSubmission }> {
  const body = {
    experimentId: 'exp-d1',
    idempotencyKey: `d-${++n}`,
    seeds: Array.from({ length: seeds }, (_, s) => ({
      seed: s + 10,
      probabilities: predictions(task.labels, 10, accuracy, 100 * n + s),
    })),
  };
  const res = await server.client.submit(token, body);
  assert.equal(res.status, 201, res.text);
  const stored = await server.db.pool.query(
    'SELECT test_labels, public_indices, private_indices, weak_accuracy, ceiling_accuracy FROM tasks',
  );
  const row = stored.rows[0];
  const key = {
    labels: Int16Array.from(row.test_labels),
    publicIndices: Int32Array.from(row.public_indices),
    privateIndices: Int32Array.from(row.private_indices),
    weakAccuracy: row.weak_accuracy,
    ceilingAccuracy: row.ceiling_accuracy,
  };
  const sha = payloadSha256(body.experimentId, body.seeds);
  return {
    id: res.body.submissionId,
    reference: scoreSubmission(body.seeds, key, sha, server.settings.bootstrapReplicates),
  };
}

/** The submission's stored row once its intervals are stored (waits for the deferred thread). */
async function storedRow(id: string) {
  for (let waited = 0; waited < 60_000; waited += 100) {
    const result = await server.db.pool.query(
      'SELECT intervals_pending, public_score, private_score FROM submissions WHERE id = $1',
      [id],
    );
    if (result.rows[0]?.intervals_pending === false) return result.rows[0];
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the intervals of ${id} were never stored`);
}

const ladderRow = async () =>
  (await server.db.pool.query("SELECT * FROM ladder_states WHERE agent_id = 'd1'")).rows[0];

/** What a process that stopped before storing the intervals leaves behind. */
async function forgetIntervals(id: string): Promise<void> {
  await server.db.pool.query(
    `UPDATE submissions SET intervals_pending = true,
       public_score = public_score - 'accuracyInterval' - 'pgrInterval',
       private_score = private_score - 'accuracyInterval' - 'pgrInterval'
     WHERE id = $1`,
    [id],
  );
  await server.db.pool.query(
    'UPDATE ladder_states SET interval_low = NULL, interval_high = NULL WHERE submission_id = $1',
    [id],
  );
}

/** How often this server computed intervals for a reader (`when="now"`). */
async function computedForReaders(): Promise<number> {
  const metric = server.registry.getSingleMetric('aar_eval_interval_duration_seconds');
  const values = (await metric!.get()).values as {
    metricName?: string;
    labels: { when?: string };
    value: number;
  }[];
  return values.find((v) => v.metricName?.endsWith('_count') && v.labels.when === 'now')?.value ?? 0;
}

test("operators read a submission's whole score, equal to scoring in the calling thread", async () => {
  const { id, reference } = await submitted(0.7);
  const res = await server.client.request('GET', `/v1/admin/submissions/${id}?include=private`);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.public, reference.public);
  assert.deepEqual(res.body.private, reference.private);
});

test('the intervals are stored after the answer, and the Ladder state gets its interval', async () => {
  const { id, reference } = await submitted(0.9);
  const row = await storedRow(id);
  assert.deepEqual(row.public_score, reference.public);
  assert.deepEqual(row.private_score, reference.private);
  const ladder = await ladderRow();
  assert.equal(ladder.submission_id, id, 'this submission raised the Ladder');
  const widened = outwardToStep(reference.public.pgrInterval.low, reference.public.pgrInterval.high, STEP);
  assert.deepEqual({ low: ladder.interval_low, high: ladder.interval_high }, widened);
});

test('intervals left pending by a stopped process are computed once on read, to the same numbers', async () => {
  const { id } = await submitted(0.95);
  const stored = await storedRow(id);
  const ladder = await ladderRow();
  await forgetIntervals(id);
  const before = await computedForReaders();
  const reads = await Promise.all(
    [1, 2, 3].map(() => server.client.request('GET', `/v1/admin/submissions/${id}?include=private`)),
  );
  for (const res of reads) {
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.public, stored.public_score);
    assert.deepEqual(res.body.private, stored.private_score);
  }
  assert.equal((await computedForReaders()) - before, 1, 'three readers, one computation');
  assert.deepEqual(await storedRow(id), stored, 'stored again, unchanged');
  const restored = await ladderRow();
  assert.deepEqual(
    [restored.interval_low, restored.interval_high],
    [ladder.interval_low, ladder.interval_high],
  );
});

test('the public leaderboard shows the Ladder interval while the intervals are still pending', async () => {
  const ladder = await ladderRow();
  const query = '/v1/leaderboard?campaignId=c1&taskId=mnist1d';
  const shown = (await server.client.request('GET', query)).body.entries[0].interval;
  assert.deepEqual(shown, { low: ladder.interval_low, high: ladder.interval_high });
  await forgetIntervals(ladder.submission_id);
  const res = await server.client.request('GET', query);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.body.entries[0].interval, shown);
});

test('a server starting on a database with pending intervals computes them, to the same numbers', async () => {
  const { id } = await submitted(0.8);
  const stored = await storedRow(id);
  await forgetIntervals(id);
  const next = buildEvalApp({
    pool: server.db.pool,
    logger: testLogger,
    registry: new Registry(),
    settings: server.settings,
  });
  try {
    await next.ready();
    assert.deepEqual(await storedRow(id), stored);
  } finally {
    await next.close();
  }
});
