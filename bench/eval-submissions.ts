/**
 * Benchmark of `POST /v1/submissions` against a bare Fastify route that only parses the same
 * JSON body, both measured in the same run over loopback:
 *
 *   node --import tsx bench/eval-submissions.ts [--duration 8] [--connections 8] [--seeds 1]
 *
 * Starts its own eval server in-process on a fresh test database (dropped at the end), loads a
 * synthetic task per payload size, and drives each server with autocannon from a worker thread.
 * Prints submissions per second, p50/p99 latency and how busy the main thread's event loop was
 * (both servers share it; the load generator does not) per payload size, and the ratios eval/bare.
 * The eval server computes bootstrap intervals after answering, on a low-priority thread: after
 * each eval run the benchmark waits until every interval is stored (before the bare run, which it
 * would otherwise slow down) and prints how many were pending and how long they took.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createRng } from '../core/random.js';
import { buildEvalApp } from '../server/eval/app.js';
import { Scoring } from '../server/eval/scoring/scoring.js';
import { BOOTSTRAP_REPLICATES } from '../server/eval/settings.js';
import { createTestDatabase } from '../tests/helpers/database.js';
import type { LoadJob, LoadSummary } from './eval-load-worker.js';

const NUM_CLASSES = 10;
const VARIANTS = 4;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '8' },
    seeds: { type: 'string', default: '1' },
    sizes: { type: 'string', default: '1000,10000' },
  },
});
const durationSeconds = Number(values.duration);
const warmupSeconds = Number(values.warmup);
const connections = Number(values.connections);
const seedCount = Number(values.seeds);
const sizes = values.sizes.split(',').map(Number);

/** Random probability rows (normalised), as a trainer's softmax would write them. */
function probabilities(rows: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: rows }, () => {
    const raw = Array.from({ length: NUM_CLASSES }, () => rng() ** 3);
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => v / sum);
  });
}

function templates(rows: number): string[] {
  return Array.from({ length: VARIANTS }, (_, v) =>
    JSON.stringify({
      experimentId: '__EXPERIMENT__',
      idempotencyKey: '__KEY__',
      seeds: Array.from({ length: seedCount }, (_, s) => ({
        seed: s,
        probabilities: probabilities(rows, v * 100 + s),
      })),
    }),
  );
}

function load(job: LoadJob): Promise<LoadSummary> {
  return new Promise((resolve, reject) => {
    // Node 20 workers do not inherit `--import tsx`: register it before importing the .ts entry.
    const entry = new URL('./eval-load-worker.ts', import.meta.url).href;
    const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
    const worker = new Worker(boot, { eval: true, workerData: job });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function main(): Promise<void> {
  const db = await createTestDatabase({ migrate: 'eval' });
  const adminToken = randomBytes(24).toString('hex');
  // As the server's entry point does: scoring workers running before the first submission.
  const scoring = Scoring.create({ logger: pino({ level: 'warn' }) });
  await scoring.warm();
  const eval_ = buildEvalApp({
    pool: db.pool,
    logger: pino({ level: 'warn' }),
    registry: new Registry(),
    settings: {
      adminToken,
      budgetPerHour: 10_000_000,
      budgetPerCampaign: 10_000_000,
      ladderStep: 0.01,
      probeFraction: 0.01,
      submissionBodyLimit: 64 * 1024 * 1024,
      taskBodyLimit: 64 * 1024 * 1024,
      bootstrapReplicates: BOOTSTRAP_REPLICATES,
      auditVerifyIntervalMs: 0,
    },
    scoring,
  });
  // autocannon drops its sockets when a run ends, and the server still finishes the requests it
  // read: wait until the pool has been idle for a second before the next run or the shutdown.
  const settled = async () => {
    for (let quiet = 0, i = 0; quiet < 20 && i < 600; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const busy = db.pool.totalCount - db.pool.idleCount + db.pool.waitingCount;
      quiet = busy === 0 ? quiet + 1 : 0;
    }
  };
  // Deferred bootstrap intervals still to store: how many when a run ends, and how long until none.
  const drains: { size: number; pending: number; seconds: number }[] = [];
  const intervalsDrained = async () => {
    const pendingNow = async () =>
      Number(
        (await db.pool.query('SELECT count(*) AS n FROM submissions WHERE intervals_pending')).rows[0].n,
      );
    const started = performance.now();
    const pending = await pendingNow();
    for (let left = pending; left > 0; left = await pendingNow()) {
      if (performance.now() - started > 600_000)
        throw new Error(`${left} intervals still pending after 600 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { pending, seconds: (performance.now() - started) / 1000 };
  };
  const bare = Fastify({ bodyLimit: 64 * 1024 * 1024 });
  bare.post('/bare', async () => ({ ok: true }));
  try {
    await eval_.listen({ port: 0, host: '127.0.0.1' });
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const evalUrl = `http://127.0.0.1:${(eval_.server.address() as AddressInfo).port}`;
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`;
    const rows: string[][] = [];
    for (const size of sizes) {
      const senders = await prepare(evalUrl, adminToken, size);
      const bodies = templates(size);
      const common = { connections, warmupSeconds, durationSeconds, templates: bodies, senders };
      const headers = { authorization: `Bearer ${adminToken}` };
      const measured = await busyWhile(() =>
        load({ ...common, url: evalUrl, path: '/v1/submissions', headers }),
      );
      await settled();
      drains.push({ size, ...(await intervalsDrained()) });
      const baseline = await busyWhile(() => load({ ...common, url: bareUrl, path: '/bare', headers }));
      if (measured.non2xx + measured.errors > 0)
        console.warn(`eval answered ${measured.non2xx} non-2xx, ${measured.errors} errors`);
      const kb = Math.round(Buffer.byteLength(bodies[0]!) / 1024);
      rows.push(
        row(`${size} rows x ${seedCount} seed (${kb} KiB)`, 'eval', measured),
        row('', 'bare parse', baseline),
        [
          '',
          'ratio eval/bare',
          (measured.requestsPerSecond / baseline.requestsPerSecond).toFixed(2),
          (measured.p50Ms / baseline.p50Ms).toFixed(2),
          (measured.p99Ms / baseline.p99Ms).toFixed(2),
          '',
        ],
      );
    }
    print(rows);
    for (const d of drains) {
      const rate = d.seconds > 0 ? ` (${(d.pending / d.seconds).toFixed(1)}/s)` : '';
      console.log(
        `${d.size} rows: ${d.pending} submissions' intervals pending after the eval run, all stored ${d.seconds.toFixed(1)} s later${rate}`,
      );
    }
  } finally {
    await eval_.close();
    await bare.close();
    await db.drop();
  }
}

/** Loads a task of `size` rows and registers one agent and experiment per connection. */
async function prepare(url: string, adminToken: string, size: number) {
  const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
  const rng = createRng(size);
  const bundle = randomBytes(1024);
  const taskId = `bench-${size}`;
  const labelStore = {
    labelStoreVersion: 1,
    task: 'mnist1d',
    numClasses: NUM_CLASSES,
    testSize: size,
    testLabels: Array.from({ length: size }, () => Math.floor(rng() * NUM_CLASSES)),
    weakAccuracy: { mean: 0.6, sd: 0.01, perSeed: [0.6] },
    ceilingAccuracy: { mean: 0.9, sd: 0.01, perSeed: [0.9] },
    bundleSha256: createHash('sha256').update(bundle).digest('hex'),
    createdAt: new Date().toISOString(),
    seeds: seedCount,
  };
  const put = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: 'PUT', headers, body: JSON.stringify(body) }).then(async (r) => {
      if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    });
  await put(`/v1/admin/tasks/${taskId}`, { labelStore, bundleBase64: bundle.toString('base64') });
  return Promise.all(
    Array.from({ length: connections }, async (_, i) => {
      const experimentId = `${taskId}-exp-${i}`;
      await put(`/v1/admin/experiments/${experimentId}`, {
        campaignId: 'bench',
        agentId: `agent-${i}`,
        taskId,
        seeds: seedCount,
        noEval: false,
      });
      return { actAs: `bench/agent-${i}`, experimentId };
    }),
  );
}

/** A load run, and the share of its wall time the main thread's event loop was busy. */
async function busyWhile(run: () => Promise<LoadSummary>): Promise<LoadSummary & { loopBusy: number }> {
  const start = performance.eventLoopUtilization();
  const summary = await run();
  return { ...summary, loopBusy: performance.eventLoopUtilization(start).utilization };
}

function row(payload: string, target: string, s: LoadSummary & { loopBusy: number }): string[] {
  return [
    payload,
    target,
    s.requestsPerSecond.toFixed(1),
    s.p50Ms.toFixed(1),
    s.p99Ms.toFixed(1),
    `${Math.round(s.loopBusy * 100)} %`,
  ];
}

function print(rows: string[][]): void {
  const header = ['payload', 'target', 'req/s', 'p50 ms', 'p99 ms', 'loop busy'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  console.log(`eval-submissions: ${connections} connections, ${durationSeconds} s per run, loopback`);
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

await main();
