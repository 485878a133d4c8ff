import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { campaignRecord } from './campaigns.js';
import type { Stack } from './stack.js';

export interface ExactlyOnceReport {
  readonly experiments: number;
  readonly runs: number;
  readonly trainerStarts: number;
  readonly duplicateStarts: number;
  readonly lostResults: number;
  readonly duplicateSubmissions: number;
  readonly lostReceipts: number;
  readonly duplicatePosts: number;
  readonly auditEntries: number;
}

/**
 * Checks what "nothing lost, nothing twice" means for a finished campaign and returns the counts:
 * every (experiment, seed) trained once unless an attempt failed (one trainer start per run
 * folder), a result for every run, one eval submission and one receipt per experiment, one forum
 * post per experiment, and an intact audit chain.
 */
export async function assertExactlyOnce(stack: Stack, campaignId: string): Promise<ExactlyOnceReport> {
  const record = await campaignRecord(stack, campaignId);
  const scored = record.experiments.filter((e) => e.status === 'scored');
  assert.equal(
    scored.length,
    record.experiments.length,
    `every experiment scored: ${JSON.stringify(record.experiments)}`,
  );

  let trainerStarts = 0;
  let duplicateStarts = 0;
  for (const run of record.runs) {
    const log = join(stack.runsDir, run.id, 'launches.log');
    const starts = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).length : 0;
    trainerStarts += starts;
    if (starts > 1) duplicateStarts += starts - 1;
  }
  const folders = existsSync(stack.runsDir) ? readdirSync(stack.runsDir) : [];
  const strayFolders = folders.filter(
    (f) => f.startsWith(`${campaignId}-`) && !record.runs.some((r) => r.id === f),
  );
  assert.deepEqual(strayFolders, [], 'no run was launched outside the record');
  const failedAttempts = record.runs.filter((r) => r.status === 'failed').length;
  assert.equal(duplicateStarts, 0, 'no run folder saw a second trainer start');
  assert.equal(
    record.runs.length - failedAttempts,
    record.experiments.length * 2,
    'one succeeded run per (experiment, seed)',
  );

  const resultIds = new Set(record.results.map((r) => r.run_id));
  const lostResults = record.runs.filter((r) => r.status === 'succeeded' && !resultIds.has(r.id)).length;
  assert.equal(lostResults, 0, 'every succeeded run has its result');

  const submissions = (
    await stack.evalDb.pool.query(
      'SELECT experiment_id, count(*)::int AS n FROM submissions WHERE campaign_id = $1 GROUP BY experiment_id',
      [campaignId],
    )
  ).rows as { experiment_id: string; n: number }[];
  const duplicateSubmissions = submissions.reduce((sum, s) => sum + (s.n - 1), 0);
  assert.equal(duplicateSubmissions, 0, 'one eval submission per experiment');
  assert.equal(submissions.length, record.experiments.length);
  const lostReceipts = record.experiments.length - record.receipts.length;
  assert.equal(lostReceipts, 0, 'every experiment has its eval receipt');

  const keys = record.posts.map((p) => p.idempotency_key);
  const duplicatePosts = keys.length - new Set(keys).size;
  assert.equal(duplicatePosts, 0);
  assert.equal(record.posts.length, record.experiments.length, 'one forum post per experiment');

  const verify = await fetch(`${stack.evalUrl}/v1/admin/audit/verify`, {
    headers: { authorization: `Bearer ${stack.adminToken}` },
  });
  const audit = (await verify.json()) as { ok: boolean; entries?: number; checked?: number };
  assert.equal(verify.status, 200);
  assert.equal(audit.ok, true, `audit chain intact: ${JSON.stringify(audit)}`);

  return {
    experiments: record.experiments.length,
    runs: record.runs.length,
    trainerStarts,
    duplicateStarts,
    lostResults,
    duplicateSubmissions,
    lostReceipts,
    duplicatePosts,
    auditEntries: audit.entries ?? audit.checked ?? 0,
  };
}
