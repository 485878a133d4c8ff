import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { WorkerPool, WorkerPoolError } from '../../server/eval/scoring/worker-pool.js';
import type { FaultyWorkerData } from './helpers/faulty-scoring-worker.js';

const FAULTY_WORKER = new URL('./helpers/faulty-scoring-worker.ts', import.meta.url);
const pools: WorkerPool[] = [];

/** A pool of the faulty worker; `starts` counts the workers it started. */
function poolWith(fault: FaultyWorkerData['fault'], options: { size?: number; taskTimeoutMs?: number } = {}) {
  const starts = new Int32Array(new SharedArrayBuffer(4));
  const pool = new WorkerPool({
    entry: FAULTY_WORKER,
    size: options.size ?? 1,
    taskTimeoutMs: options.taskTimeoutMs ?? 60_000,
    workerData: { fault, starts } satisfies FaultyWorkerData,
  });
  pools.push(pool);
  return { pool, starts };
}

/** A small valid body of one seed, as `parse` reads it. */
const body = (experimentId: string) =>
  new TextEncoder().encode(
    JSON.stringify({
      experimentId,
      idempotencyKey: 'k-1',
      seeds: [{ seed: 0, probabilities: [[0.25, 0.75]] }],
    }),
  );
const parse = (pool: WorkerPool, experimentId = 'exp-1') =>
  pool.run<{ kind: string; experimentId: string }>('parse', { body: body(experimentId), maxJsonDepth: 64 });

after(async () => {
  await Promise.all(pools.map((pool) => pool.close()));
});

test('runs tasks on as many worker threads as it has, and answers each', async () => {
  const { pool, starts } = poolWith('none', { size: 2 });
  const answers = await Promise.all(['a', 'b', 'c', 'd'].map((id) => parse(pool, `exp-${id}`)));
  assert.deepEqual(
    answers.map((a) => [a.kind, a.experimentId]),
    ['a', 'b', 'c', 'd'].map((id) => ['parsed', `exp-${id}`]),
  );
  assert.equal(starts[0], 2, 'two threads, started on first use');
});

test('starts a task again on a fresh worker when its worker dies, and answers it', async () => {
  const { pool, starts } = poolWith('crash-once');
  const answer = await parse(pool);
  assert.equal(answer.kind, 'parsed');
  assert.equal(starts[0], 2, 'the task ran on a second worker');
});

test('fails a task whose worker dies again with a crashed error, not a hang', async () => {
  const { pool, starts } = poolWith('crash');
  const started = Date.now();
  await assert.rejects(parse(pool), (error: unknown) => {
    assert.ok(error instanceof WorkerPoolError);
    assert.equal(error.reason, 'crashed');
    assert.match(error.message, /died 2 times/);
    return true;
  });
  assert.equal(starts[0], 2, 'one retry, then the failure');
  assert.ok(Date.now() - started < 30_000, 'no task waits on a dead worker');
  assert.equal((await pool.run<boolean>('ready', null)) === true, true, 'the pool still runs tasks');
});

test('fails a task that runs past the timeout and replaces its worker', async () => {
  const { pool, starts } = poolWith('hang-once', { taskTimeoutMs: 1500 });
  await pool.warm('ready');
  await assert.rejects(parse(pool), (error: unknown) => {
    assert.ok(error instanceof WorkerPoolError);
    assert.equal(error.reason, 'timeout');
    return true;
  });
  assert.equal((await parse(pool)).kind, 'parsed', 'the next task runs on a fresh worker');
  assert.equal(starts[0], 2);
});

test('answers the error of a task that throws, and keeps its worker', async () => {
  const { pool, starts } = poolWith('none');
  await assert.rejects(pool.run('fail', null), /a bug in a scoring function/);
  assert.equal((await parse(pool)).kind, 'parsed');
  assert.equal(starts[0], 1);
});

test('fails waiting and new tasks once closed', async () => {
  const { pool } = poolWith('none');
  const waiting = assert.rejects(
    parse(pool),
    (error: unknown) => error instanceof WorkerPoolError && error.reason === 'closed',
  );
  await pool.close();
  await waiting;
  await assert.rejects(
    parse(pool),
    (error: unknown) => error instanceof WorkerPoolError && error.reason === 'closed',
  );
});
