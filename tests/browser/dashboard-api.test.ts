import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { insertRunningCampaign } from '../../activities/store/campaigns.js';
import { insertExperiment } from '../../activities/store/experiments.js';
import { ensureRun } from '../../activities/store/runs.js';
import { openSession } from '../../activities/store/sessions.js';
import type { CampaignSpec } from '../../core/campaign-spec.js';
import { REPO_ROOT } from '../../runtime/config.js';
import { buildApiApp } from '../../server/api/app.js';
import type { App } from '../../server/http/base-app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { testLogger } from '../helpers/silent-logger.js';
import { connectTemporal, type TemporalHandles } from '../helpers/temporal.js';

/**
 * The api's operator surface without workers: login and the session cookie, the CSRF header,
 * the static dashboard and its headers, the event stream, run logs, and the record metrics.
 */

const operatorToken = randomBytes(24).toString('hex');
const campaignId = `dash-${randomBytes(3).toString('hex')}`;
const runId = `${campaignId}-agent-1-0000-s0-a1`;
let db: TestDatabase;
let temporal: TemporalHandles;
let app: App;
let bare: App;
let url: string;
const runsDir = mkdtempSync(join(tmpdir(), 'aar-dash-runs-'));

const build = (withRunsDir: boolean) =>
  buildApiApp({
    pool: db.pool,
    logger: testLogger,
    registry: new Registry(),
    temporal: temporal.client,
    orchestratorQueue: `t${randomBytes(4).toString('hex')}-orchestrator`,
    namespace: temporal.namespace,
    temporalUiUrl: 'http://temporal.example:8233',
    operatorToken,
    runTokenKey: randomBytes(24).toString('hex'),
    ...(withRunsDir ? { runsDir } : {}),
  });

before(async () => {
  db = await createTestDatabase({ migrate: 'record' });
  temporal = await connectTemporal();
  app = build(true);
  bare = build(false);
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  const spec = {
    apiVersion: 'aar/v1',
    id: campaignId,
    name: 'dashboard api test',
    task: 'mnist1d',
    agents: [{ id: 'agent-1', policy: 'baseline', direction: '' }],
    budgets: {},
  } as unknown as CampaignSpec;
  await insertRunningCampaign(db.pool, campaignId, spec, `campaign-${campaignId}`);
  await insertExperiment(db.pool, {
    id: `${campaignId}-agent-1-0000`,
    campaignId,
    agentId: 'agent-1',
    seq: 0,
    hypothesis: 'h',
    spec: {},
    seeds: [0],
    noEval: false,
  });
  await ensureRun(db.pool, {
    runId,
    experimentId: `${campaignId}-agent-1-0000`,
    seed: 0,
    attempt: 1,
    executor: 'local',
  });
  mkdirSync(join(runsDir, runId));
  writeFileSync(
    join(runsDir, runId, 'stderr.log'),
    `${Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n')}\n`,
  );
});

after(async () => {
  await app.close();
  await bare.close();
  await temporal.close();
  await db.drop();
});

async function login(): Promise<string> {
  const answer = await app.inject({ method: 'POST', url: '/v1/session', payload: { token: operatorToken } });
  assert.equal(answer.statusCode, 200);
  const cookie = String(answer.headers['set-cookie']);
  return cookie.split(';')[0]!;
}

test('login refuses a wrong token', async () => {
  const answer = await app.inject({
    method: 'POST',
    url: '/v1/session',
    payload: { token: 'not-the-token' },
  });
  assert.equal(answer.statusCode, 401);
  assert.equal(answer.headers['set-cookie'], undefined);
});

test('login with the operator token sets an HttpOnly, SameSite=Strict session cookie that reads the api', async () => {
  const answer = await app.inject({ method: 'POST', url: '/v1/session', payload: { token: operatorToken } });
  assert.equal(answer.statusCode, 200);
  const cookie = String(answer.headers['set-cookie']);
  assert.match(cookie, /^aar_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/);
  const session = await app.inject({
    method: 'GET',
    url: '/v1/session',
    headers: { cookie: cookie.split(';')[0]! },
  });
  assert.equal(session.statusCode, 200);
  assert.deepEqual(session.json(), {
    via: 'cookie',
    operator: { id: 'op-operator-token', name: 'operator-token', role: 'admin' },
    temporalUiUrl: 'http://temporal.example:8233',
    namespace: temporal.namespace,
  });
  const list = await app.inject({
    method: 'GET',
    url: '/v1/campaigns',
    headers: { cookie: cookie.split(';')[0]! },
  });
  assert.equal(list.statusCode, 200);
});

test('a write with the session cookie needs the dashboard header', async () => {
  const cookie = await login();
  const bareWrite = await app.inject({
    method: 'POST',
    url: '/v1/campaigns/no-such/pause',
    headers: { cookie },
    payload: {},
  });
  assert.equal(bareWrite.statusCode, 403);
  assert.match(bareWrite.json().error.message, /x-aar-dashboard: 1/);
  const withHeader = await app.inject({
    method: 'POST',
    url: '/v1/campaigns/no-such/pause',
    headers: { cookie, 'x-aar-dashboard': '1' },
    payload: {},
  });
  assert.equal(withHeader.statusCode, 404, 'past the guard: the campaign does not exist');
});

test('a forged or expired session cookie is refused', async () => {
  const forged = await app.inject({
    method: 'GET',
    url: '/v1/campaigns',
    headers: { cookie: `aar_session=${'A'.repeat(43)}` },
  });
  assert.equal(forged.statusCode, 401);
  await login();
  const old = await openSession(db.pool, 'op-operator-token', -60);
  const expired = await app.inject({
    method: 'GET',
    url: '/v1/campaigns',
    headers: { cookie: `aar_session=${old.sessionId}` },
  });
  assert.equal(expired.statusCode, 401);
});

test('logout clears the session cookie', async () => {
  const answer = await app.inject({ method: 'DELETE', url: '/v1/session' });
  assert.equal(answer.statusCode, 200);
  assert.match(String(answer.headers['set-cookie']), /^aar_session=; Max-Age=0;/);
});

test('the dashboard pages come with a strict content security policy', async () => {
  const root = await app.inject({ method: 'GET', url: '/' });
  assert.equal(root.statusCode, 302);
  assert.equal(root.headers.location, '/ui/');
  for (const path of ['/ui/', '/ui/campaigns/x', '/ui/assets/app.js', '/ui/assets/style.css']) {
    const page = await app.inject({ method: 'GET', url: path });
    assert.equal(page.statusCode, 200, path);
    assert.match(
      String(page.headers['content-security-policy']),
      /default-src 'none'; script-src 'self'; style-src 'self'/,
    );
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
  }
  const script = await app.inject({ method: 'GET', url: '/ui/assets/app.js' });
  assert.match(String(script.headers['content-type']), /^text\/javascript/);
  assert.match(script.body, /EventSource/);
});

test('the dashboard never builds markup from strings', () => {
  const dir = join(REPO_ROOT, 'web', 'src');
  const files = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 5);
  for (const file of files) {
    const source = readFileSync(join(dir, file), 'utf8');
    assert.doesNotMatch(source, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser/, file);
  }
});

test('the event stream refuses a caller without credentials, and names a campaign that does not exist', async () => {
  const anonymous = await fetch(`${url}/v1/campaigns/${campaignId}/events`);
  assert.equal(anonymous.status, 401);
  const cookie = await login();
  const missing = await fetch(`${url}/v1/campaigns/no-such-campaign/events`, { headers: { cookie } });
  assert.equal(missing.status, 404);
});

test('the event stream sends a snapshot of the campaign first', async () => {
  const cookie = await login();
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/campaigns/${campaignId}/events`, {
    headers: { cookie },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  assert.match(String(response.headers.get('content-type')), /^text\/event-stream/);
  const reader = response.body!.getReader();
  let text = '';
  while (!text.includes('\n\n') || !text.includes('event: snapshot')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  controller.abort();
  const data = JSON.parse(/event: snapshot\ndata: (.*)\n/.exec(text)![1]!);
  assert.equal(data.campaign.id, campaignId);
  assert.deepEqual(data.leaderboard, []);
  assert.deepEqual(data.series, []);
  assert.deepEqual(data.threads, []);
});

test('run logs are served from the runs folder, the tail only', async () => {
  const answer = await app.inject({
    method: 'GET',
    url: `/v1/runs/${runId}/logs?stream=stderr&tail=3`,
    headers: { authorization: `Bearer ${operatorToken}` },
  });
  assert.equal(answer.statusCode, 200);
  assert.deepEqual(answer.json(), {
    runId,
    stream: 'stderr',
    text: 'line 28\nline 29\nline 30',
    lines: 3,
    truncated: true,
  });
});

test('run logs say where to look when this api server cannot read the runs folder', async () => {
  const answer = await bare.inject({
    method: 'GET',
    url: `/v1/runs/${runId}/logs`,
    headers: { authorization: `Bearer ${operatorToken}` },
  });
  assert.equal(answer.statusCode, 404);
  assert.equal(answer.json().error.code, 'logs_unavailable');
  assert.match(answer.json().error.message, /AAR_RUNS_DIR.*on the dispatch machine that ran it/);
});

test('the api exports the record gauges the alerts need', async () => {
  const answer = await app.inject({ method: 'GET', url: '/metrics' });
  assert.match(answer.body, /^aar_record_runs_pending 1$/m);
  assert.match(answer.body, /^aar_record_oldest_pending_run_age_seconds \d/m);
  assert.match(
    answer.body,
    new RegExp(
      `^aar_record_campaign_last_progress_timestamp_seconds\\{campaign="${campaignId}",status="running"\\} \\d+`,
      'm',
    ),
  );
});
