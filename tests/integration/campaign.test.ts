import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { campaignRecord, campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { type Stack, startStack } from '../helpers/stack.js';

let stack: Stack;
let workers: { stop(): Promise<void> };

before(async () => {
  stack = await startStack();
  workers = await stack.startWorkers();
});

after(async () => {
  await workers.stop();
  await stack.close();
});

test('a campaign of two baseline agents runs end to end on the real trainer and eval server', async () => {
  const campaignId = await startCampaign(stack, smallCampaign('e2e', 2, 2));
  const summary = await campaignResult(stack, campaignId);
  assert.equal(summary.status, 'completed');
  assert.equal(summary.experiments, 4);
  assert.deepEqual(summary.agents.map((a) => a.experimentsDone).sort(), [2, 2]);

  const record = await campaignRecord(stack, campaignId);
  assert.deepEqual(
    record.experiments.map((e) => e.status),
    ['scored', 'scored', 'scored', 'scored'],
  );
  assert.equal(record.runs.length, 8, 'one run per (experiment, seed)');
  assert.ok(record.runs.every((r) => r.status === 'succeeded' && r.attempt === 1));
  assert.equal(record.results.length, 8);
  assert.equal(record.receipts.length, 4);
  assert.equal(record.posts.length, 4, 'one forum post per analysed experiment');

  // Each run was launched exactly once: one run folder each, each with one launch record.
  const folders = readdirSync(stack.runsDir);
  assert.equal(folders.length, 8);
  for (const folder of folders)
    assert.ok(JSON.parse(readFileSync(join(stack.runsDir, folder, 'launch'), 'utf8')).pid > 0);

  const metrics = await stack.workerMetrics();
  assert.match(metrics, /aar_experiments_total\{outcome="scored"\} 4/);
  assert.match(metrics, /aar_experiment_duration_seconds_count 4/);
  assert.match(metrics, /aar_run_queue_seconds_count\{executor="local"\} 8/);
  assert.match(metrics, /aar_runs_launched_total\{executor="local"\} 8/);
  assert.match(metrics, /aar_campaign_gpu_seconds_total\{campaign="[^"]+"\} \d/);

  const campaign = await stack.api('GET', `/v1/campaigns/${campaignId}`);
  assert.equal(campaign.status, 200);
  assert.equal(campaign.body.status, 'completed');
  const board = await stack.api('GET', `/v1/campaigns/${campaignId}/leaderboard`);
  assert.equal(board.body.leaderboard.length, 2);
  for (const row of board.body.leaderboard) {
    assert.ok(row.ciLow <= row.pgrMean && row.pgrMean <= row.ciHigh, 'the mean lies in its interval');
  }
});

test('cancelling a campaign kills its running trainer processes and records it cancelled', async () => {
  const campaignId = await startCampaign(stack, smallCampaign('cancel', 2, 20));
  const isLive = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(stack.runsDir);
    } catch {
      return false;
    }
  };
  const livePids = () =>
    readdirSync(stack.runsDir)
      .filter((f) => f.startsWith(campaignId))
      .map((f) => {
        try {
          return JSON.parse(readFileSync(join(stack.runsDir, f, 'launch'), 'utf8')).pid as number;
        } catch {
          return 0;
        }
      })
      .filter((pid) => pid > 0 && isLive(pid));
  for (let i = 0; i < 240 && livePids().length === 0; i++) await new Promise((r) => setTimeout(r, 250));
  assert.ok(livePids().length > 0, 'a trainer was running when the campaign was cancelled');

  assert.equal((await stack.api('POST', `/v1/campaigns/${campaignId}/cancel`)).status, 202);
  await assert.rejects(campaignResult(stack, campaignId), /cancel/i);
  for (let i = 0; i < 120 && livePids().length > 0; i++) await new Promise((r) => setTimeout(r, 250));
  assert.deepEqual(livePids(), [], 'no trainer process is left');
  const campaign = await stack.api('GET', `/v1/campaigns/${campaignId}`);
  assert.equal(campaign.body.status, 'cancelled');
  const experiments = await stack.record.pool.query('SELECT status FROM experiments WHERE campaign_id = $1', [
    campaignId,
  ]);
  assert.ok(
    experiments.rows.every((r) => r.status !== 'running'),
    JSON.stringify(experiments.rows),
  );
  assert.ok(experiments.rows.some((r) => r.status === 'cancelled'));
});
