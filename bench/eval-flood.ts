/**
 * Benchmark of the eval server under a flood of refused requests: a real submission's latency and
 * the `audit verify` time on an idle server, then while 10,000 requests with bad tokens arrive
 * (and after them, for verify), all in the same run over loopback:
 *
 *   node --import tsx bench/eval-flood.ts [--flood 10000] [--concurrency 32] [--rows 1000] [--limit 60]
 *
 * Starts its own eval server in-process on 127.0.0.1 with a fresh test database (dropped at the
 * end). The flood comes from a worker thread (its own event loop, like another client). `--limit`
 * is the refusals per minute per source (`AAR_REFUSALS_PER_MINUTE`); a huge one shows the server
 * without the limit. Prints latencies and the ratios flood/idle; no assertions.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createRng } from '../core/random.js';
import { buildEvalApp } from '../server/eval/app.js';
import { BOOTSTRAP_REPLICATES } from '../server/eval/settings.js';
import { createTestDatabase } from '../tests/helpers/database.js';

const NUM_CLASSES = 10;
const { values } = parseArgs({
  options: {
    flood: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
    rows: { type: 'string', default: '1000' },
    samples: { type: 'string', default: '15' },
    limit: { type: 'string', default: '60' },
  },
});
const floodSize = Math.min(Number(values.flood), 100_000);
const concurrency = Math.min(Number(values.concurrency), 256);
const rows = Number(values.rows);
const samples = Number(values.samples);
const limit = Number(values.limit);

/** The flood, as plain JavaScript for a worker thread: `total` POSTs with bad tokens, `width` at a time. */
const FLOOD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, total, width } = workerData;
const statuses = {};
let next = 0;
const started = performance.now();
async function lane() {
  while (next < total) {
    const i = next++;
    try {
      const r = await fetch(url + '/v1/submissions', {
        method: 'POST',
        headers: { authorization: 'Bearer flood-' + i + '-not-a-token', 'content-type': 'application/json' },
        body: '{"experimentId":"x","idempotencyKey":"k' + i + '","seeds":[]}',
      });
      await r.arrayBuffer();
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    } catch {
      statuses.error = (statuses.error ?? 0) + 1;
    }
  }
}
Promise.all(Array.from({ length: width }, lane)).then(() =>
  parentPort.postMessage({ statuses, seconds: (performance.now() - started) / 1000 }),
);
`;

interface FloodSummary {
  readonly statuses: Record<string, number>;
  readonly seconds: number;
}

function flood(url: string): Promise<FloodSummary> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(FLOOD_WORKER, {
      eval: true,
      workerData: { url, total: floodSize, width: concurrency },
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const db = await createTestDatabase({ migrate: 'eval' });
  const adminToken = randomBytes(24).toString('hex');
  const app = buildEvalApp({
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
    http: { authFailureLimit: { max: limit, windowMs: 60_000 } },
  });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const experimentId = await prepare(url, admin);
    const rng = createRng(7);
    const probabilities = Array.from({ length: rows }, () => {
      const raw = Array.from({ length: NUM_CLASSES }, () => rng() ** 3);
      const sum = raw.reduce((a, b) => a + b, 0);
      return raw.map((v) => v / sum);
    });
    let key = 0;
    const submit = async (): Promise<number> => {
      const t = performance.now();
      const r = await fetch(`${url}/v1/submissions`, {
        method: 'POST',
        headers: { ...admin, 'x-aar-act-as': 'bench/agent-1' },
        body: JSON.stringify({
          experimentId,
          idempotencyKey: `flood-bench-${key++}`,
          seeds: [{ seed: 0, probabilities }],
        }),
      });
      await r.arrayBuffer();
      if (r.status !== 201) throw new Error(`submission answered ${r.status}`);
      return performance.now() - t;
    };
    const verify = async (): Promise<number> => {
      const t = performance.now();
      const r = await fetch(`${url}/v1/admin/audit/verify`, { headers: admin });
      await r.arrayBuffer();
      return performance.now() - t;
    };
    const auditCount = async () =>
      (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows[0]!.n;

    await submit(); // warm-up: JIT, scoring key cache
    const idleSubmit: number[] = [];
    for (let i = 0; i < samples; i++) idleSubmit.push(await submit());
    const idleVerify: number[] = [];
    for (let i = 0; i < 5; i++) idleVerify.push(await verify());
    const entriesBefore = await auditCount();

    const running = flood(url);
    let done = false;
    void running.then(() => {
      done = true;
    });
    const floodSubmit: number[] = [];
    const floodVerify: number[] = [];
    while (!done || floodSubmit.length < samples) {
      floodSubmit.push(await submit());
      if (!done) floodVerify.push(await verify());
    }
    const summary = await running;
    const afterVerify: number[] = [];
    for (let i = 0; i < 5; i++) afterVerify.push(await verify());
    const entriesAfter = await auditCount();

    const lines: [string, string, string, string][] = [
      ['measure', 'idle ms', 'flood ms', 'ratio'],
      ratioLine('submission p50 (during flood)', idleSubmit, floodSubmit),
      ratioLine('audit verify p50 (during flood)', idleVerify, floodVerify),
      ratioLine('audit verify p50 (after flood)', idleVerify, afterVerify),
    ];
    const widths = [0, 1, 2, 3].map((c) => Math.max(...lines.map((l) => l[c]!.length)));
    console.log(
      `eval-flood: ${floodSize} bad-token requests, ${concurrency} at a time, loopback; ` +
        `refusal limit ${limit}/min per source; ${rows}-row submissions`,
    );
    console.log(
      `flood: ${(floodSize / summary.seconds).toFixed(0)} req/s over ${summary.seconds.toFixed(1)} s, ` +
        `answers ${JSON.stringify(summary.statuses)}; audit entries added during the flood: ` +
        `${entriesAfter - entriesBefore - floodSubmit.length - floodVerify.length - afterVerify.length}` +
        ` (besides the benchmark's own ${floodSubmit.length + floodVerify.length + afterVerify.length})`,
    );
    console.log(
      `samples: ${floodSubmit.length} submissions and ${floodVerify.length} verifies during the flood`,
    );
    for (const l of lines) console.log(l.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  } finally {
    await app.close();
    await db.drop();
  }
}

function ratioLine(label: string, idle: number[], loaded: number[]): [string, string, string, string] {
  const a = median(idle);
  const b = median(loaded);
  return [label, a.toFixed(1), b.toFixed(1), (b / a).toFixed(2)];
}

/** Loads a synthetic task of `rows` rows and registers one experiment of agent bench/agent-1. */
async function prepare(url: string, headers: Record<string, string>): Promise<string> {
  const rng = createRng(rows);
  const bundle = randomBytes(1024);
  const taskId = 'flood-task';
  const labelStore = {
    labelStoreVersion: 1,
    task: 'mnist1d',
    numClasses: NUM_CLASSES,
    testSize: rows,
    testLabels: Array.from({ length: rows }, () => Math.floor(rng() * NUM_CLASSES)),
    weakAccuracy: { mean: 0.6, sd: 0.01, perSeed: [0.6] },
    ceilingAccuracy: { mean: 0.9, sd: 0.01, perSeed: [0.9] },
    bundleSha256: createHash('sha256').update(bundle).digest('hex'),
    createdAt: new Date().toISOString(),
    seeds: 1,
  };
  const put = async (path: string, body: unknown) => {
    const r = await fetch(`${url}${path}`, { method: 'PUT', headers, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  };
  await put(`/v1/admin/tasks/${taskId}`, { labelStore, bundleBase64: bundle.toString('base64') });
  const experimentId = `${taskId}-exp-1`;
  await put(`/v1/admin/experiments/${experimentId}`, {
    campaignId: 'bench',
    agentId: 'agent-1',
    taskId,
    seeds: 1,
    noEval: false,
  });
  return experimentId;
}

await main();
