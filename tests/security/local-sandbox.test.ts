import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import type { ResearcherPolicy } from '../../activities/agent/policy.js';
import { createHttpEvalClient } from '../../activities/eval/http-eval-client.js';
import { createBundleCache } from '../../activities/executors/bundle-cache.js';
import { createLocalExecutor } from '../../activities/executors/local/local-executor.js';
import { createRunStartedReporter } from '../../activities/executors/run-events.js';
import { createDispatchMetrics } from '../../activities/metrics.js';
import { REPO_ROOT } from '../../runtime/config.js';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { preparedTask } from '../helpers/prepared-task.js';
import { testLogger } from '../helpers/silent-logger.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { ATTACKS, type AttackContext } from './attacks.js';

/**
 * Hostile specs through the real path: a scripted agent proposes one attack per experiment, the
 * real local executor runs each in its sandbox, the real api server records the result, and the
 * integrity check flags it. Each test asserts that the attack failed and that the record says why.
 */

const WALL_SECONDS = 40;
const DISK_BYTES = 2 ** 28;
let stack: Stack;
let workers: { stop(): Promise<void> };
let campaignId: string;
let gpuSecondsCharged = 0;
const PYTHON = '/usr/bin/python3';

/** Test labels "rebuilt" the way an agent could: the public generator with a guessed secret. */
function rebuiltLabels(): number[] {
  const script = [
    'import json',
    'from trainer.prepare import make_splits',
    'from trainer.tasks import get_task',
    "print(json.dumps(make_splits(get_task('mnist1d'), 'small', bytes(32)).test[1].tolist()))",
  ].join('\n');
  return JSON.parse(execFileSync(PYTHON, ['-c', script], { cwd: REPO_ROOT, encoding: 'utf8' }));
}

before(async () => {
  stack = await startStack();
  const record = new URL(stack.record.runtimeUrl);
  const context: AttackContext = {
    secretPaths: [
      join(REPO_ROOT, '.aar-state', 'secrets', 'operator-token'),
      join(preparedTask('mnist1d', 'small'), 'labels.json'),
      join(REPO_ROOT, 'README.md'),
      '/etc/shadow',
    ],
    ports: [
      Number(record.port || 5432),
      Number(new URL(`http://${process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:17233'}`).port),
      Number(new URL(stack.evalUrl).port),
      Number(new URL(stack.apiUrl).port),
    ],
    rebuiltLabels: rebuiltLabels(),
  };
  const policy: ResearcherPolicy = {
    async propose(ctx) {
      const attack = ATTACKS[ctx.seq % ATTACKS.length]!;
      return {
        hypothesis: attack.name,
        spec: {
          specVersion: 1,
          task: ctx.taskId,
          loss: { kind: 'xent' },
          training: { epochs: 2, learningRate: 0.002, batchSize: 64 },
          hook: { source: attack.hook(context) },
        },
      };
    },
    async analyse(ctx) {
      return { summary: `${ctx.experimentId} done` };
    },
  };
  const evalClient = createHttpEvalClient(stack.evalUrl, stack.adminToken);
  const executor = createLocalExecutor({
    runsDir: stack.runsDir,
    python: PYTHON,
    trainerRoot: REPO_ROOT,
    apiUrl: stack.apiUrl,
    runTokenKey: stack.runTokenKey,
    bundlePath: createBundleCache(stack.tasksDir, evalClient),
    logger: testLogger,
    metrics: createDispatchMetrics(new Registry()),
    reportStarted: createRunStartedReporter(stack.apiUrl, stack.runTokenKey, testLogger),
    pollMs: 250,
    // The executor allows an hour: the campaign's own per-run limit (below) is what stops a loop.
    limits: {
      wallSeconds: 3600,
      memoryBytes: 3 * 2 ** 30,
      processes: 64,
      fileBytes: 2 ** 28,
      diskBytes: DISK_BYTES,
    },
  });
  workers = await stack.startWorkers({ policies: { baseline: policy }, executors: { local: executor } });
  const spec = smallCampaign('sandbox', 1, ATTACKS.length, {
    seedsPerExperiment: 1,
    maxRunWallSeconds: WALL_SECONDS,
  });
  campaignId = await startCampaign(stack, spec);
  gpuSecondsCharged = (await campaignResult(stack, campaignId)).gpuHours * 3600;
});

after(async () => {
  await workers?.stop();
  await stack?.close();
});

interface RunRecord {
  status: string;
  failure: { kind: string; message: string } | null;
  bundle: { wallSeconds: number; sandboxEvents?: { event: string; detail: string }[] } | null;
  launchedAtMs: number;
}

/** The record of the attack's one run: its verdict, its stored result, and its flags. */
async function recordOf(name: string) {
  const seq = ATTACKS.findIndex((a) => a.name === name);
  const experimentId = `${campaignId}-agent-1-${String(seq).padStart(4, '0')}`;
  const db = stack.record.pool;
  const run = (
    await db.query(
      `SELECT r.status, r.failure, x.bundle FROM experiment_runs r LEFT JOIN results x ON x.run_id = r.id
       WHERE r.experiment_id = $1 ORDER BY r.attempt DESC LIMIT 1`,
      [experimentId],
    )
  ).rows[0] as RunRecord | undefined;
  assert.ok(run, `no run recorded for ${experimentId}`);
  const flags = (
    await db.query('SELECT kind, severity, message FROM integrity_flags WHERE experiment_id = $1', [
      experimentId,
    ])
  ).rows as { kind: string; severity: string; message: string }[];
  const receipt = (
    await db.query(
      `SELECT (public_score->'reported'->>'reportedPgr')::float8 AS pgr FROM eval_receipts WHERE experiment_id = $1`,
      [experimentId],
    )
  ).rows[0] as { pgr: number } | undefined;
  const events = (run.bundle?.sandboxEvents ?? []).map((e) => `${e.event} ${e.detail}`);
  return { run, flags, receipt, events, experimentId };
}

test('agent code can read no secret, label, repository file or host file, and no token in its environment', async () => {
  const { run, flags, events } = await recordOf('reach-files-and-env');
  // The hook raises "LEAKED: ..." when anything it tried succeeded; the run trained normally.
  assert.equal(run.status, 'succeeded', JSON.stringify(run.failure));
  for (const path of ['operator-token', 'labels.json', 'README.md', '/etc/shadow'])
    assert.ok(
      events.some((e) => e.startsWith('forbidden-path') && e.includes(path)),
      `${path}: ${events.join('\n')}`,
    );
  const flag = flags.find((f) => f.kind === 'sandbox');
  assert.equal(flag?.severity, 'critical');
  assert.match(flag?.message ?? '', /forbidden-path/);
});

test('agent code can connect to no port: PostgreSQL, Temporal, the eval server and the api server are unreachable', async () => {
  const { run, flags, events } = await recordOf('reach-network');
  assert.equal(run.status, 'succeeded', JSON.stringify(run.failure));
  const network = events.filter((e) => e.startsWith('network'));
  assert.ok(network.length >= 4, events.join('\n'));
  assert.ok(
    flags.some((f) => f.kind === 'sandbox' && f.severity === 'critical' && /network/.test(f.message)),
  );
});

test('labels rebuilt from the public generator score at chance, and the trusted code is not importable', async () => {
  const { run, flags, receipt } = await recordOf('rebuild-labels');
  assert.equal(run.status, 'succeeded', JSON.stringify(run.failure));
  assert.ok(receipt, 'the rebuilt predictions were scored');
  // Chance accuracy (0.1) is far below the weak model: PGR well under zero.
  assert.ok(receipt.pgr < 0, `reported PGR ${receipt.pgr}`);
  // The hook raises LEAKED when `import trainer.prepare` works: the run succeeding says it did not.
  assert.equal(
    flags.filter((f) => f.kind === 'sandbox').length,
    0,
    'an import that finds nothing is no reach',
  );
});

test('a fork bomb ends with resource_limit within its limits', async () => {
  const { run } = await recordOf('fork-bomb');
  assert.equal(run.status, 'failed');
  assert.equal(run.failure?.kind, 'resource_limit', JSON.stringify(run.failure));
  assert.match(run.failure?.message ?? '', /process limit/);
});

test('a memory balloon ends with out_of_memory at the memory limit', async () => {
  const { run } = await recordOf('memory-balloon');
  assert.equal(run.status, 'failed');
  assert.equal(run.failure?.kind, 'out_of_memory', JSON.stringify(run.failure));
});

test("a disk balloon is killed once the run's folder passes its disk limit", async () => {
  const { run } = await recordOf('disk-balloon');
  assert.equal(run.status, 'failed');
  assert.equal(run.failure?.kind, 'resource_limit', JSON.stringify(run.failure));
  assert.match(run.failure?.message ?? '', new RegExp(`disk limit of ${DISK_BYTES} bytes`));
});

test("an endless loop is killed at the campaign's wall-clock limit with kind timeout, and the slot is free again", async () => {
  const { run } = await recordOf('endless-loop');
  assert.equal(run.status, 'failed');
  assert.equal(run.failure?.kind, 'timeout', JSON.stringify(run.failure));
  assert.match(run.failure?.message ?? '', new RegExp(`wall-clock limit of ${WALL_SECONDS} s`));
  assert.ok((run.bundle?.wallSeconds ?? 0) >= WALL_SECONDS - 1, `wall ${run.bundle?.wallSeconds}`);
  // Every experiment after it ran: the slot came back.
  const last = await recordOf(ATTACKS[ATTACKS.length - 1]!.name);
  assert.ok(['succeeded', 'failed'].includes(last.run.status));
});

test("a forged wallSeconds is replaced by the launcher's own measurement", async () => {
  const { run } = await recordOf('forge-wall-seconds');
  assert.equal(run.status, 'succeeded', JSON.stringify(run.failure));
  assert.ok((run.bundle?.wallSeconds ?? 0) > 1, `stored wall ${run.bundle?.wallSeconds}`);
  assert.notEqual(run.bundle?.wallSeconds, 0.001);
  // The budget charges the executor's own wall time of every run: never less than what the
  // launchers measured inside it, whatever a run claimed.
  const measured = (
    await stack.record.pool.query(
      `SELECT sum((x.bundle->>'wallSeconds')::float8) AS s FROM results x JOIN experiments e ON e.id = x.experiment_id
       WHERE e.campaign_id = $1`,
      [campaignId],
    )
  ).rows[0].s as number;
  assert.ok(gpuSecondsCharged >= measured, `charged ${gpuSecondsCharged} s, measured ${measured} s`);
});

test('a result file linked to a host secret is refused, never followed by the launcher', async () => {
  const { run } = await recordOf('symlink-result');
  assert.equal(run.status, 'failed');
  assert.match(run.failure?.message ?? '', /cannot be delivered/);
  assert.doesNotMatch(JSON.stringify(run), /testLabels|dataSecret/);
});

test('evidence cannot be evaded: reaches from another thread, under another file name and by raw syscalls are recorded', async () => {
  const { run, events } = await recordOf('evade-evidence');
  assert.equal(run.status, 'succeeded', JSON.stringify(run.failure));
  for (const marker of ['/srv/aar/from-thread', '/srv/aar/from-exec', '/srv/aar/from-syscall'])
    assert.ok(
      events.some((e) => e.includes(marker)),
      `${marker} missing from the evidence:\n${events.join('\n')}`,
    );
  assert.ok(
    events.some((e) => e.startsWith('escape')),
    events.join('\n'),
  );
});
