import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { insertRunningCampaign } from '../../activities/store/campaigns.js';
import { insertExperiment } from '../../activities/store/experiments.js';
import { ensureRun, finishRun } from '../../activities/store/runs.js';
import type { CampaignSpec } from '../../core/campaign-spec.js';
import { deriveRunToken } from '../../runtime/run-token.js';
import { buildApiApp } from '../../server/api/app.js';
import type { App } from '../../server/http/base-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { testLogger } from '../helpers/silent-logger.js';
import { connectTemporal, type TemporalHandles } from '../helpers/temporal.js';

/** The trainer-facing run routes: `started` once per attempt, results only for runs still open. */

const runTokenKey = randomBytes(24).toString('hex');
const campaignId = `runs-${randomBytes(3).toString('hex')}`;
const experimentId = `${campaignId}-agent-1-0000`;
let db: TestDatabase;
let temporal: TemporalHandles;
let app: App;
let nextSeed = 0;

const bundle = (patch: Record<string, unknown> = {}) => ({
  resultVersion: 1,
  status: 'succeeded',
  task: 'mnist1d',
  seed: 0,
  spec: null,
  predictions: [
    [0.25, 0.75],
    [0.5, 0.5],
  ],
  curve: [{ epoch: 1, trainLoss: 0.7, weakValAccuracy: 0.6 }],
  weakValidationAccuracy: 0.6,
  stoppedEpoch: 1,
  trainExamples: 100,
  wallSeconds: 1.5,
  device: 'cpu',
  versions: { torch: '1.13' },
  ...patch,
});

/** A new pending run of the test experiment. */
async function newRun(): Promise<string> {
  const seed = nextSeed++;
  const runId = `${experimentId}-s${seed}-a1`;
  await ensureRun(db.pool, { runId, experimentId, seed, attempt: 1, executor: 'local' });
  return runId;
}

const post = (runId: string, what: 'started' | 'result', payload: unknown) =>
  app.inject({
    method: 'POST',
    url: `/v1/runs/${runId}/${what}`,
    headers: { authorization: `Bearer ${deriveRunToken(runTokenKey, runId)}` },
    payload: payload as Record<string, unknown>,
  });

async function runRow(runId: string) {
  const { rows } = await db.pool.query(
    'SELECT status, external_id, launches, (SELECT count(*)::int FROM results WHERE run_id = $1) AS results FROM experiment_runs WHERE id = $1',
    [runId],
  );
  return rows[0] as { status: string; external_id: string | null; launches: number; results: number };
}

before(async () => {
  db = await createTestDatabase({ migrate: 'record' });
  temporal = await connectTemporal();
  app = buildApiApp({
    pool: db.pool,
    logger: testLogger,
    registry: new Registry(),
    temporal: temporal.client,
    orchestratorQueue: `t${randomBytes(4).toString('hex')}-orchestrator`,
    namespace: temporal.namespace,
    temporalUiUrl: 'http://temporal.example:8233',
    operatorToken: randomBytes(24).toString('hex'),
    runTokenKey,
  });
  const spec = {
    apiVersion: 'aar/v1',
    id: campaignId,
    name: 'run routes test',
    task: 'mnist1d',
    agents: [{ id: 'agent-1', policy: 'baseline', direction: '' }],
    budgets: {},
  } as unknown as CampaignSpec;
  await insertRunningCampaign(db.pool, campaignId, spec, `campaign-${campaignId}`);
  await insertExperiment(db.pool, {
    id: experimentId,
    campaignId,
    agentId: 'agent-1',
    seq: 0,
    hypothesis: 'h',
    spec: {},
    seeds: [0],
    noEval: false,
  });
});

after(async () => {
  await app.close();
  await temporal.close();
  await db.drop();
});

test('a started report marks the run running and counts one launch', async () => {
  const runId = await newRun();
  const answer = await post(runId, 'started', { externalId: 'pid:4242' });
  assert.equal(answer.statusCode, 200);
  assert.deepEqual(answer.json(), { runId });
  assert.deepEqual(await runRow(runId), {
    status: 'running',
    external_id: 'pid:4242',
    launches: 1,
    results: 0,
  });
});

test('the same started report again is a no-op', async () => {
  const runId = await newRun();
  const externalId = 'job:aar-experiments/aar-runs-abc-agent-1-0000-s1-a1-0123456789';
  assert.equal((await post(runId, 'started', { externalId })).statusCode, 200);
  const again = await post(runId, 'started', { externalId });
  assert.equal(again.statusCode, 200);
  assert.equal((await runRow(runId)).launches, 1);
});

test('a started report naming another process answers 409 and writes nothing', async () => {
  const runId = await newRun();
  assert.equal((await post(runId, 'started', { externalId: 'pid:100' })).statusCode, 200);
  const other = await post(runId, 'started', { externalId: 'pid:200' });
  assert.equal(other.statusCode, 409);
  assert.equal(other.json().error.code, 'conflict');
  const row = await runRow(runId);
  assert.equal(row.external_id, 'pid:100');
  assert.equal(row.launches, 1);
});

test('refuses external ids the executors never send, shell metacharacters included', async () => {
  const runId = await newRun();
  for (const externalId of [
    '',
    'pid:',
    'pid:12345678901',
    'pid:1; rm -rf /',
    'job:ns/name;id',
    'job:ns/$(id)',
    'job:ns/`id`',
    'job:NS/name',
    'job:ns/name with space',
    'job:ns/-name',
    'job:ns/name/extra',
    `job:ns/${'a'.repeat(64)}`,
    'k8s:ns/name',
  ]) {
    const answer = await post(runId, 'started', { externalId });
    assert.equal(answer.statusCode, 400, externalId);
  }
  assert.equal((await runRow(runId)).external_id, null);
});

test('accepts what the local and k8s executors send', async () => {
  for (const externalId of ['pid:1', 'pid:4194304', `job:aar-experiments/aar-${'x'.repeat(48)}-0123456789`]) {
    const runId = await newRun();
    assert.equal((await post(runId, 'started', { externalId })).statusCode, 200, externalId);
  }
});

test('a started report for an unknown run answers 404', async () => {
  const answer = await post(`${experimentId}-s99-a1`, 'started', { externalId: 'pid:1' });
  assert.equal(answer.statusCode, 404);
});

for (const ended of ['failed', 'cancelled', 'succeeded'] as const) {
  test(`refuses a result for a run that already ended ${ended} with 409 and stores nothing`, async () => {
    const runId = await newRun();
    await finishRun(
      db.pool,
      runId,
      ended,
      ended === 'failed' ? { kind: 'timeout', message: 'wall clock' } : null,
    );
    const answer = await post(runId, 'result', bundle());
    assert.equal(answer.statusCode, 409);
    assert.equal(answer.json().error.code, 'conflict');
    const row = await runRow(runId);
    assert.equal(row.status, ended);
    assert.equal(row.results, 0);
  });
}

test('an identical re-upload after the run ended is still the harmless duplicate', async () => {
  const runId = await newRun();
  assert.equal((await post(runId, 'result', bundle())).statusCode, 201);
  await finishRun(db.pool, runId, 'succeeded', null);
  const again = await post(runId, 'result', bundle());
  assert.equal(again.statusCode, 200);
  assert.equal(again.json().outcome, 'duplicate');
  const different = await post(runId, 'result', bundle({ wallSeconds: 7 }));
  assert.equal(different.statusCode, 409);
  assert.equal((await runRow(runId)).results, 1);
});
