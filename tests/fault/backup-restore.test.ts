import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import type { Context } from '@temporalio/activity';
import { Connection, Client as TemporalClient } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import pg from 'pg';
import { Registry } from 'prom-client';
import { createPolicies } from '../../activities/agent/policies.js';
import { createHttpEvalClient } from '../../activities/eval/http-eval-client.js';
import type { Executor, RunRequest } from '../../activities/executors/executor.js';
import { createOrchestratorMetrics } from '../../activities/metrics.js';
import { campaignLeaderboard } from '../../activities/store/receipts.js';
import { REPO_ROOT } from '../../runtime/config.js';
import { buildEvalApp } from '../../server/eval/app.js';
import { verifyAudit } from '../../server/eval/audit/audit-repository.js';
import { adminLeaderboard, publicLeaderboard } from '../../server/eval/leaderboard/leaderboard-repository.js';
import type { App } from '../../server/http/base-app.js';
import { createDispatchWorker } from '../../workers/dispatch-worker.js';
import { createOrchestratorWorker } from '../../workers/orchestrator-worker.js';
import {
  type CampaignSummary,
  campaignWorkflowId,
  experimentIdOf,
  experimentWorkflowId,
  queueNames,
} from '../../workflows/definitions.js';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { testEvalSettings } from '../helpers/eval-settings.js';
import { plantedExit, storePlantedResult } from '../helpers/planted-result.js';
import { type PrivateServices, startPrivateServices } from '../helpers/private-services.js';
import { testLogger } from '../helpers/silent-logger.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { workflowBundle } from '../helpers/temporal.js';

/**
 * Backup and restore through the real scripts (issue "A week without babysitting"): a campaign
 * runs on a PostgreSQL cluster and Temporal dev server of this file's own; `scripts/backup.sh`
 * backs it up while experiments are in flight; `scripts/restore.sh` puts the backup into a second,
 * fresh cluster and dev server. The restored copy must hold exactly what the source held when it
 * was backed up. The shared stack is never touched.
 */

let source: PrivateServices;
let target: PrivateServices;
let stack: Stack;
let campaignId: string;
let backupDir: string;
let atBackup: SourceState;
let testSize: number;
const scratch = mkdtempSync(join(tmpdir(), 'aar-backup-test-'));
const savedEnv: Record<string, string | undefined> = {};

/** The services' settings that must not leak from the test process into a script's environment. */
const STACK_VARIABLES = [
  'DATABASE_URL',
  'EVAL_DATABASE_URL',
  'AAR_MIGRATE_DATABASE_URL',
  'AAR_MIGRATE_EVAL_DATABASE_URL',
  'AAR_TEST_ADMIN_DATABASE_URL',
  'TEMPORAL_ADDRESS',
  'AAR_STATE_DIR',
  'AAR_PG_PORT',
  'AAR_TEMPORAL_PORT',
  'AAR_TEMPORAL_UI_PORT',
  'AAR_CONFIG_FILE',
];

/** Every tool the scripts need: missing one fails the file, it never skips it. */
function assertToolsPresent(): void {
  const bins = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin`)
    : [];
  for (const tool of ['pg_dump', 'pg_restore', 'psql']) {
    const found = bins.some((dir) => existsSync(join(dir, tool))) || spawnSync('which', [tool]).status === 0;
    assert.ok(found, `${tool} is missing: install the PostgreSQL client programs`);
  }
  const python = process.env.AAR_PYTHON ?? '/usr/bin/python3';
  assert.equal(spawnSync(python, ['-c', 'import sqlite3']).status, 0, `${python} cannot import sqlite3`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * The variables that make the dev-stack scripts act on `services`: its state folder and ports
 * (the Temporal UI's too: backup.sh restarts the dev server). `extra` adds or overrides.
 */
function scriptEnv(services: PrivateServices, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of STACK_VARIABLES) delete env[name];
  return { ...env, ...services.scriptEnv, ...extra };
}

/** Runs `bash scripts/<name> ...args` without blocking this process (its workers keep running). */
function runScript(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [`scripts/${name}`, ...args], { cwd: REPO_ROOT, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs of each agent's second experiment wait here, as if for a GPU, until `release`. */
const held = new Set<string>();
let released = false;

/**
 * An executor that trains nothing: it stores a planted result in `record` at once, except that
 * with `hold` the runs of each agent's second experiment first wait (heartbeating) for `released`.
 */
function plantingExecutor(record: pg.Pool, testSize: number, hold: boolean): Executor {
  return {
    async execute(request: RunRequest, context: Context) {
      if (hold && /-0001-s\d+-a\d+$/.test(request.runId)) {
        held.add(request.runId);
        while (!released) {
          context.heartbeat();
          await context.sleep(500);
        }
      }
      const shift = request.spec.seed ?? 0;
      const predictions = Array.from({ length: testSize }, (_, i) =>
        Array.from({ length: 10 }, (_, c) => (c === (i * 7 + shift) % 10 ? 1 : 0)),
      );
      await storePlantedResult(record, request, predictions);
      return plantedExit;
    },
  };
}

interface SourceState {
  /** Every row of every table, as sorted JSON text, per database. */
  readonly record: Record<string, string[]>;
  readonly eval: Record<string, string[]>;
  readonly leaderboards: {
    readonly record: Awaited<ReturnType<typeof campaignLeaderboard>>;
    readonly evalPublic: Awaited<ReturnType<typeof publicLeaderboard>>;
    readonly evalAdmin: Awaited<ReturnType<typeof adminLeaderboard>>;
  };
  readonly auditHead: { seq: number; hash: string };
}

async function tableRows(pool: pg.Pool): Promise<Record<string, string[]>> {
  const tables = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname`,
  );
  const rows: Record<string, string[]> = {};
  for (const { name } of tables.rows) {
    const result = await pool.query<{ row: string }>(
      `SELECT to_jsonb(t)::text AS row FROM public.${pg.escapeIdentifier(name)} t`,
    );
    rows[name] = result.rows.map((r) => r.row).sort();
  }
  return rows;
}

/** What a pair of record and eval databases holds, the campaign's leaderboards and the audit head. */
async function stateOf(record: pg.Pool, evalDb: pg.Pool): Promise<SourceState> {
  const head = await evalDb.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head');
  return {
    record: await tableRows(record),
    eval: await tableRows(evalDb),
    leaderboards: {
      record: await campaignLeaderboard(record, campaignId),
      evalPublic: await publicLeaderboard(evalDb, campaignId, 'mnist1d'),
      evalAdmin: await adminLeaderboard(evalDb, campaignId, 'mnist1d'),
    },
    auditHead: { seq: Number(head.rows[0]!.seq), hash: head.rows[0]!.hash },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The source's state once every agent waits on its held runs and nothing changes for a while. */
async function quiescentSource(): Promise<SourceState> {
  const deadline = Date.now() + 180_000;
  while (held.size < 4) {
    assert.ok(Date.now() < deadline, `runs held so far: ${[...held].join(', ')}`);
    await sleep(300);
  }
  let previous = await stateOf(stack.record.pool, stack.evalDb.pool);
  for (;;) {
    await sleep(1500);
    const current = await stateOf(stack.record.pool, stack.evalDb.pool);
    if (isDeepStrictEqual(current, previous)) return current;
    assert.ok(Date.now() < deadline, 'the source kept changing while every run was held');
    previous = current;
  }
}

/** Owner pools on the target cluster's restored `aar` and `aar_eval`. */
function targetPools(): { record: pg.Pool; evalDb: pg.Pool; end(): Promise<void> } {
  const record = new pg.Pool({ connectionString: target.env.AAR_MIGRATE_DATABASE_URL, max: 2 });
  const evalDb = new pg.Pool({ connectionString: target.env.AAR_MIGRATE_EVAL_DATABASE_URL, max: 2 });
  return { record, evalDb, end: async () => void (await Promise.all([record.end(), evalDb.end()])) };
}

before(async () => {
  assertToolsPresent();
  source = await startPrivateServices();
  target = await startPrivateServices();
  for (const [name, value] of Object.entries(source.env)) {
    savedEnv[name] = process.env[name];
    process.env[name] = value;
  }
  stack = await startStack();
});

after(async () => {
  released = true;
  await stack?.close();
  await source?.close();
  await target?.close();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(scratch, { recursive: true, force: true });
});

test('a backup taken mid-campaign restores into a fresh stack identical to the source, its audit chain verified against the saved head', async (t) => {
  const task = await stack.evalDb.pool.query(`SELECT test_size FROM tasks WHERE id = 'mnist1d'`);
  testSize = task.rows[0].test_size;
  const workers = await stack.startWorkers({
    executors: { local: plantingExecutor(stack.record.pool, testSize, true) },
    dispatchSlots: 4,
  });
  try {
    campaignId = await startCampaign(stack, smallCampaign('backup', 2, 2));
    atBackup = await quiescentSource();
    // Each agent's first experiment scored, its second in flight: what the comparison covers.
    assert.equal(atBackup.record.experiments?.length, 4);
    assert.equal(atBackup.record.results?.length, 4, 'a result for each seed of the first experiments');
    assert.equal(atBackup.record.eval_receipts?.length, 2, 'a receipt for each first experiment');
    assert.equal(atBackup.leaderboards.record.length, 2, 'both agents are on the leaderboard');
    assert.ok(atBackup.auditHead.seq > 0, 'the eval server has audited requests');

    backupDir = join(scratch, 'backup');
    const started = Date.now();
    const backup = await runScript(
      'backup.sh',
      ['--out', backupDir],
      scriptEnv(source, {
        AAR_MIGRATE_DATABASE_URL: stack.record.url,
        AAR_MIGRATE_EVAL_DATABASE_URL: stack.evalDb.url,
      }),
    );
    assert.equal(backup.code, 0, `backup.sh failed:\n${backup.stdout}\n${backup.stderr}`);
    t.diagnostic(
      `backup.sh took ${Date.now() - started} ms with ${held.size} runs in flight:\n${backup.stdout}`,
    );
    assert.ok(
      isDeepStrictEqual(await stateOf(stack.record.pool, stack.evalDb.pool), atBackup),
      'the source did not change while it was backed up, so it can be compared with the restored copy',
    );
    const head = JSON.parse(readFileSync(join(backupDir, 'audit-head.json'), 'utf8'));
    assert.deepEqual(
      { seq: head.seq, hash: head.hash },
      atBackup.auditHead,
      'audit-head.json is the head at backup time',
    );
    const manifest = JSON.parse(readFileSync(join(backupDir, 'manifest.json'), 'utf8'));
    assert.deepEqual(Object.keys(manifest.files).sort(), [
      'audit-head.json',
      'eval.dump',
      'record.dump',
      'temporal.db',
    ]);

    // The source goes on after its backup, untroubled.
    released = true;
    const summary = await campaignResult(stack, campaignId);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.experiments, 4);
  } finally {
    await workers.stop();
  }

  const restored = await runScript(
    'restore.sh',
    [backupDir],
    scriptEnv(target, { AAR_TEMPORAL_UI_PORT: String(await freePort()) }),
  );
  assert.equal(restored.code, 0, `restore.sh failed:\n${restored.stdout}\n${restored.stderr}`);
  t.diagnostic(restored.stdout);
  assert.match(
    restored.stdout,
    /audit +chain OK: \d+ entries recomputed; head \d+ [0-9a-f]{64} matches audit-head\.json/,
  );
  assert.match(restored.stderr, /stopping the Temporal dev server \(pid \d+\)/);
  assert.match(restored.stdout, /^RESTORE OK/m);

  const pools = targetPools();
  try {
    const chain = await verifyAudit(pools.evalDb);
    assert.equal(chain.ok, true, `the restored audit chain verifies: ${chain.reason}`);
    assert.deepEqual({ seq: chain.headSeq, hash: chain.headHash }, atBackup.auditHead);
    const copy = await stateOf(pools.record, pools.evalDb);
    assert.deepEqual(copy.record, atBackup.record, 'every record row is as it was at backup time');
    assert.deepEqual(
      copy.eval,
      atBackup.eval,
      'every eval row (labels, tokens, audit log) is as at backup time',
    );
    assert.deepEqual(copy.leaderboards, atBackup.leaderboards, 'the leaderboards are as at backup time');
  } finally {
    await pools.end();
  }
  // The runtime roles were granted their privileges on the restored tables.
  const runtime = new pg.Client({ connectionString: target.env.DATABASE_URL });
  await runtime.connect();
  try {
    const experiments = await runtime.query(
      'SELECT count(*)::int AS n FROM experiments WHERE campaign_id = $1',
      [campaignId],
    );
    assert.equal(experiments.rows[0].n, atBackup.record.experiments?.length);
  } finally {
    await runtime.end();
  }

  // The restored dev server holds the campaign as it was: running, its second experiments in flight.
  const connection = await Connection.connect({ address: target.env.TEMPORAL_ADDRESS! });
  try {
    const client = new TemporalClient({ connection });
    const campaign = await client.workflow.getHandle(campaignWorkflowId(campaignId)).describe();
    assert.equal(campaign.status.name, 'RUNNING');
    for (const agent of ['agent-1', 'agent-2']) {
      const experiment = experimentWorkflowId(experimentIdOf(campaignId, agent, 1));
      assert.equal((await client.workflow.getHandle(experiment).describe()).status.name, 'RUNNING');
    }
  } finally {
    await connection.close();
  }
});

test('restore.sh refuses a backup with one byte of a dump changed, naming the file, and changes nothing', async () => {
  assert.ok(backupDir, 'the backup of the first test exists');
  const tampered = join(scratch, 'tampered');
  cpSync(backupDir, tampered, { recursive: true });
  const dump = join(tampered, 'eval.dump');
  const bytes = readFileSync(dump);
  bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
  writeFileSync(dump, bytes);

  const run = await runScript(
    'restore.sh',
    ['--replace', tampered],
    scriptEnv(target, { AAR_TEMPORAL_UI_PORT: String(await freePort()) }),
  );
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stderr, /eval\.dump does not match manifest\.json/);
  assert.doesNotMatch(run.stdout, /RESTORE OK/);
  const pools = targetPools();
  try {
    const head = await pools.evalDb.query('SELECT seq, hash FROM audit_head');
    assert.deepEqual({ seq: Number(head.rows[0].seq), hash: head.rows[0].hash }, atBackup.auditHead);
  } finally {
    await pools.end();
  }
});

test('restore.sh refuses databases that hold data unless told --replace', async () => {
  const run = await runScript('restore.sh', [backupDir], scriptEnv(target));
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(
    run.stderr,
    /refusing to restore over data: the record database .* holds data .*Pass --replace/,
  );
});

test('backup.sh refuses to write into a folder that exists', async () => {
  const run = await runScript(
    'backup.sh',
    ['--out', backupDir],
    scriptEnv(source, {
      AAR_MIGRATE_DATABASE_URL: stack.record.url,
      AAR_MIGRATE_EVAL_DATABASE_URL: stack.evalDb.url,
    }),
  );
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stderr, /refusing to write into .*backup: it exists/);
});

/**
 * The restored copy is a working stack, not only equal rows: an eval server on the restored eval
 * database and workers on the restored dev server (the source's task queues) carry the campaign on
 * from where it was backed up. The runs in flight then time out and run again.
 */
test('the restored stack carries the campaign on to its end, scoring each experiment once', async (t) => {
  const record = new pg.Pool({ connectionString: target.env.DATABASE_URL, max: 5 });
  const evalPool = new pg.Pool({ connectionString: target.env.EVAL_DATABASE_URL, max: 5 });
  const evalApp: App = buildEvalApp({
    pool: evalPool,
    logger: testLogger,
    registry: new Registry(),
    settings: testEvalSettings(stack.adminToken),
  });
  const evalUrl = await evalApp.listen({ host: '127.0.0.1', port: 0 });
  const address = target.env.TEMPORAL_ADDRESS!;
  const connection = await Connection.connect({ address });
  const workerConnection = await NativeConnection.connect({ address });
  const client = new TemporalClient({ connection, namespace: stack.temporal.namespace });
  const queues = queueNames(stack.queuePrefix);
  const orchestrator = await createOrchestratorWorker({
    connection: workerConnection,
    namespace: stack.temporal.namespace,
    taskQueue: queues.orchestrator,
    pool: record,
    logger: testLogger,
    temporal: client,
    eval: createHttpEvalClient(evalUrl, stack.adminToken),
    metrics: createOrchestratorMetrics(new Registry()),
    policies: createPolicies({ pool: record, logger: testLogger, registry: new Registry() }),
    workflowBundle: await workflowBundle(),
  });
  const dispatch = await createDispatchWorker({
    connection: workerConnection,
    namespace: stack.temporal.namespace,
    taskQueue: queues.dispatch,
    slots: 4,
    executors: { local: plantingExecutor(record, testSize, false) },
  });
  const running = Promise.all([orchestrator.run(), dispatch.run()]);
  try {
    const started = Date.now();
    const result = client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
    const summary = (await Promise.race([
      result,
      sleep(300_000).then(() => {
        throw new Error('the restored campaign did not finish in 5 minutes');
      }),
    ])) as CampaignSummary;
    t.diagnostic(`the restored campaign finished ${Date.now() - started} ms after its workers started`);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.experiments, 4);

    const experiments = await record.query(
      'SELECT id, status FROM experiments WHERE campaign_id = $1 ORDER BY id',
      [campaignId],
    );
    assert.deepEqual(
      experiments.rows.map((e) => e.status),
      ['scored', 'scored', 'scored', 'scored'],
    );
    const submissions = await evalPool.query(
      'SELECT experiment_id, count(*)::int AS n FROM submissions WHERE campaign_id = $1 GROUP BY experiment_id ORDER BY 1',
      [campaignId],
    );
    assert.deepEqual(
      submissions.rows.map((r) => r.n),
      [1, 1, 1, 1],
      'each experiment was submitted once, across the restore',
    );
    const chain = await verifyAudit(evalPool);
    assert.equal(chain.ok, true, `the audit chain still verifies: ${chain.reason}`);
    assert.ok(chain.headSeq > atBackup.auditHead.seq, 'the restored eval server appended to the chain');
    const link = await evalPool.query('SELECT hash FROM audit_log WHERE seq = $1', [atBackup.auditHead.seq]);
    assert.equal(link.rows[0]?.hash, atBackup.auditHead.hash, 'the chain goes on from the saved head');
  } finally {
    orchestrator.shutdown();
    dispatch.shutdown();
    await running;
    await evalApp.close();
    await connection.close();
    await workerConnection.close();
    await record.end();
    await evalPool.end();
  }
});

test('restore.sh fails verification when the restored chain does not end at the saved head', async () => {
  // A backup whose audit-head.json was rewritten along with its manifest entry: the files check
  // passes, so only the chain recomputed after the restore can tell.
  const forged = join(scratch, 'forged-head');
  cpSync(backupDir, forged, { recursive: true });
  const headFile = join(forged, 'audit-head.json');
  const head = JSON.parse(readFileSync(headFile, 'utf8'));
  head.hash = createHash('sha256').update('another chain').digest('hex');
  writeFileSync(headFile, `${JSON.stringify(head, null, 2)}\n`);
  const manifestFile = join(forged, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const text = readFileSync(headFile);
  manifest.files['audit-head.json'] = {
    sha256: createHash('sha256').update(text).digest('hex'),
    bytes: text.length,
  };
  writeFileSync(manifestFile, JSON.stringify(manifest));

  const run = await runScript('restore.sh', ['--replace', forged], scriptEnv(target));
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(
    run.stdout,
    /audit +chain links \(\d+ entries\) but its head \d+ [0-9a-f]{64} is NOT audit-head\.json's/,
  );
  assert.match(run.stdout, /^RESTORE FAILED VERIFICATION/m);
  assert.doesNotMatch(
    run.stderr,
    /stopping the Temporal dev server/,
    'Temporal is left alone after a failed check',
  );
});
