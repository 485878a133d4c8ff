import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { REPO_ROOT } from '../../runtime/config.js';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { assertExactlyOnce } from '../helpers/exactly-once.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';

let stack: Stack;
let workers: WorkerProcess[] = [];

before(async () => {
  stack = await startStack();
  workers = [spawnWorker('orchestrator', stack.workerEnv()), spawnWorker('dispatch', stack.workerEnv())];
  await Promise.all(workers.map((w) => w.ready()));
});

after(async () => {
  for (const worker of workers) await worker.stop();
  await stack.close();
});

/** Runs one of the dev-stack scripts (the same ones `make dev-up` uses). */
function stackScript(script: string, action: 'start' | 'stop'): void {
  const run = spawnSync('bash', [`scripts/${script}`, action], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, `${script} ${action} failed: ${run.stderr}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the campaign has at least `n` experiments recorded, so the restart lands mid-campaign. */
async function experimentsStarted(campaignId: string, n: number): Promise<void> {
  for (;;) {
    const { rows } = await stack.record.pool
      .query('SELECT count(*)::int AS n FROM experiments WHERE campaign_id = $1', [campaignId])
      .catch(() => ({ rows: [{ n: 0 }] }));
    if ((rows[0]?.n ?? 0) >= n) return;
    await sleep(300);
  }
}

test('a campaign completes, nothing lost or doubled, across a restart of the Temporal server', async (t) => {
  const campaignId = await startCampaign(stack, smallCampaign('temporal-restart', 2, 2));
  await experimentsStarted(campaignId, 2);
  stackScript('temporal.sh', 'stop');
  await sleep(2000);
  stackScript('temporal.sh', 'start');
  const summary = await campaignResult(stack, campaignId);
  assert.equal(summary.status, 'completed');
  const report = await assertExactlyOnce(stack, campaignId);
  t.diagnostic(`temporal restarted once; counts ${JSON.stringify(report)}`);
});

test('a campaign completes, nothing lost or doubled, across a restart of PostgreSQL', async (t) => {
  const campaignId = await startCampaign(stack, smallCampaign('postgres-restart', 2, 2));
  await experimentsStarted(campaignId, 2);
  stackScript('postgres.sh', 'stop');
  await sleep(3000);
  stackScript('postgres.sh', 'start');
  const summary = await campaignResult(stack, campaignId);
  assert.equal(summary.status, 'completed');
  const report = await assertExactlyOnce(stack, campaignId);
  t.diagnostic(`postgres restarted once; counts ${JSON.stringify(report)}`);
});
