import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { insertRunningCampaign } from '../../activities/store/campaigns.js';
import type { CampaignSpec } from '../../core/campaign-spec.js';
import { deriveRunToken } from '../../runtime/run-token.js';
import { buildApiApp } from '../../server/api/app.js';
import { REPORT_CONTENT_SECURITY_POLICY } from '../../server/api/report/routes.js';
import { buildEvalApp } from '../../server/eval/app.js';
import { BOOTSTRAP_REPLICATES } from '../../server/eval/settings.js';
import type { App, HttpOptions } from '../../server/http/base-app.js';
import { DEFAULT_HTML_POLICY } from '../../server/http/security-headers.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { testLogger } from '../helpers/silent-logger.js';
import { connectTemporal, type TemporalHandles } from '../helpers/temporal.js';

/**
 * What server/http gives both servers: JSON depth bounded before parsing on every write route,
 * security headers on HTML answers, `/metrics` behind a token or loopback, refused requests
 * limited per source. The eval server's audit side of the limit is in tests/eval/refusal-limit.
 */

const operatorToken = randomBytes(24).toString('hex');
const adminToken = `admin-${randomBytes(16).toString('hex')}`;
const metricsToken = `metrics-${randomBytes(16).toString('hex')}`;
const runTokenKey = randomBytes(24).toString('hex');
const campaignId = `hard-${randomBytes(3).toString('hex')}`;
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** What crashed schema validation with a RangeError (500) before. */
const deepBody = nestedArrays(200_000);
/** Deep enough to refuse, small enough for every route's body limit (the login's is 4 KiB). */
const smallDeepBody = nestedArrays(2000);

let recordDb: TestDatabase;
let evalDb: TestDatabase;
let temporal: TemporalHandles;
let api: App;
let evalApp: App;
let apiRegistry: Registry;
const apiWrites: { method: string; url: string }[] = [];
const evalWrites: { method: string; url: string }[] = [];

/** Collects the write routes of an app as they are registered. */
function collectWrites(app: App, into: { method: string; url: string }[]): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods)
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') into.push({ method, url: route.url });
  });
}

const buildApi = (http: HttpOptions = {}) => {
  apiRegistry = new Registry();
  return buildApiApp({
    pool: recordDb.pool,
    logger: testLogger,
    registry: apiRegistry,
    temporal: temporal.client,
    orchestratorQueue: `t${randomBytes(4).toString('hex')}-orchestrator`,
    namespace: temporal.namespace,
    temporalUiUrl: 'http://temporal.example:8233',
    operatorToken,
    runTokenKey,
    http,
  });
};

const buildEval = (http: HttpOptions = {}) =>
  buildEvalApp({
    pool: evalDb.pool,
    logger: testLogger,
    registry: new Registry(),
    settings: {
      adminToken,
      budgetPerHour: 1000,
      budgetPerCampaign: 10_000,
      ladderStep: 0.01,
      probeFraction: 0.01,
      submissionBodyLimit: 16 * 1024 * 1024,
      taskBodyLimit: 64 * 1024 * 1024,
      bootstrapReplicates: BOOTSTRAP_REPLICATES,
      auditVerifyIntervalMs: 0,
    },
    http,
  });

/** Fills a route pattern's parameters with values every parameter pattern accepts. */
const concrete = (url: string) => url.replace(/:(\w+)/g, (_m, name: string) => `x${name.toLowerCase()}1`);

before(async () => {
  recordDb = await createTestDatabase({ migrate: 'record' });
  evalDb = await createTestDatabase({ migrate: 'eval' });
  temporal = await connectTemporal();
  api = buildApi({ metricsToken });
  collectWrites(api, apiWrites);
  evalApp = buildEval();
  collectWrites(evalApp, evalWrites);
  await api.ready();
  await evalApp.ready();
  const spec = {
    apiVersion: 'aar/v1',
    id: campaignId,
    name: 'hardening test',
    task: 'mnist1d',
    agents: [{ id: 'agent-1', policy: 'baseline', direction: '' }],
    budgets: {},
  } as unknown as CampaignSpec;
  await insertRunningCampaign(recordDb.pool, campaignId, spec, `campaign-${campaignId}`);
});

after(async () => {
  await api.close();
  await evalApp.close();
  await temporal.close();
  await recordDb.drop();
  await evalDb.drop();
});

test('the api server has write routes of every family to check', () => {
  const urls = apiWrites.map((r) => r.url);
  for (const family of [
    '/v1/campaigns',
    '/v1/campaigns/:campaignId/pause',
    '/v1/campaigns/:campaignId/forum',
    '/v1/runs/',
    '/v1/session',
    '/v1/experiments/',
    '/v1/promotions/',
  ])
    assert.ok(
      urls.some((u) => u.startsWith(family)),
      `no write route under ${family}: ${urls.join(', ')}`,
    );
});

test('the eval server has write routes of every family to check', () => {
  const urls = evalWrites.map((r) => r.url);
  for (const family of ['/v1/submissions', '/v1/admin/tasks/', '/v1/admin/tokens', '/v1/admin/experiments/'])
    assert.ok(
      urls.some((u) => u.startsWith(family)),
      `no write route under ${family}: ${urls.join(', ')}`,
    );
});

/** Sends both deep bodies to a route: 400 with the depth message, or 413 where the body limit is smaller. */
async function assertDepthRefused(
  app: App,
  route: { method: string; url: string },
  headers: Record<string, string>,
): Promise<void> {
  for (const payload of [deepBody, smallDeepBody]) {
    const answer = await app.inject({
      method: route.method as 'POST',
      url: concrete(route.url),
      headers: { ...headers, 'content-type': 'application/json' },
      payload,
    });
    const what = `${route.method} ${route.url} (${payload.length} bytes): ${answer.body.slice(0, 200)}`;
    if (answer.statusCode === 413 && payload === deepBody) continue;
    assert.equal(answer.statusCode, 400, what);
    assert.match(answer.json().error.message, /body nested deeper than 64 levels/, what);
  }
}

test('every api write route answers a body nested 200,000 deep with 400, never 500', async () => {
  assert.ok(apiWrites.length >= 15);
  for (const route of apiWrites) {
    const runId = /\/v1\/runs\/([^/]+)\//.exec(concrete(route.url))?.[1];
    const token = runId === undefined ? operatorToken : deriveRunToken(runTokenKey, runId);
    await assertDepthRefused(api, route, { authorization: `Bearer ${token}` });
  }
});

test('every eval write route answers a body nested 200,000 deep with 400, never 500', async () => {
  assert.ok(evalWrites.length >= 6);
  for (const route of evalWrites) {
    const agentRoute = !route.url.startsWith('/v1/admin/');
    await assertDepthRefused(evalApp, route, {
      authorization: `Bearer ${adminToken}`,
      ...(agentRoute ? { 'x-aar-act-as': 'xcampaign1/xagent1' } : {}),
    });
  }
});

test('a body 64 levels deep, and brackets inside strings, still reach the route', async () => {
  const nested = `${'['.repeat(63)}${']'.repeat(63)}`;
  const answer = await api.inject({
    method: 'POST',
    url: '/v1/session',
    headers: { 'content-type': 'application/json' },
    payload: `{"token": ${JSON.stringify('['.repeat(1000))}, "pad": ${nested}}`,
  });
  // Parsed, then refused by the route's schema or its token check: not by the depth limit.
  assert.notEqual(answer.statusCode, 500);
  assert.doesNotMatch(answer.body, /nested deeper/);
});

test('the HTML report carries its own policy: inline styles only, no script, plus nosniff', async () => {
  const answer = await api.inject({
    method: 'GET',
    url: `/v1/campaigns/${campaignId}/report?format=html`,
    headers: { authorization: `Bearer ${operatorToken}` },
  });
  assert.equal(answer.statusCode, 200);
  assert.match(String(answer.headers['content-type']), /^text\/html/);
  assert.equal(answer.headers['content-security-policy'], REPORT_CONTENT_SECURITY_POLICY);
  assert.match(REPORT_CONTENT_SECURITY_POLICY, /default-src 'none'/);
  assert.doesNotMatch(REPORT_CONTENT_SECURITY_POLICY, /script-src/);
  assert.equal(answer.headers['x-content-type-options'], 'nosniff');
  assert.doesNotMatch(answer.body, /<script/i);
});

test('every HTML answer has a Content-Security-Policy and nosniff', async () => {
  for (const url of ['/ui/', '/ui/campaigns/x']) {
    const answer = await api.inject({ method: 'GET', url });
    assert.match(String(answer.headers['content-type']), /^text\/html/, url);
    assert.match(String(answer.headers['content-security-policy']), /default-src 'none'/, url);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff', url);
  }
});

test('an HTML answer whose route sets no policy gets the default one', async () => {
  const app = buildEval();
  app.get('/page', { config: { access: 'public' } }, async (_request, reply) =>
    reply.type('text/html').send('<p>hi</p>'),
  );
  try {
    const answer = await app.inject({ method: 'GET', url: '/page' });
    assert.equal(answer.headers['content-security-policy'], DEFAULT_HTML_POLICY);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
  } finally {
    await app.close();
  }
});

test('JSON answers are never sniffed either', async () => {
  const answer = await evalApp.inject({ method: 'GET', url: '/healthz' });
  assert.equal(answer.headers['x-content-type-options'], 'nosniff');
});

test('/metrics with a token answers only the bearer of that token', async () => {
  assert.equal((await api.inject({ method: 'GET', url: '/metrics' })).statusCode, 401);
  const wrong = await api.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${operatorToken}` },
  });
  assert.equal(wrong.statusCode, 401);
  const right = await api.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${metricsToken}` },
  });
  assert.equal(right.statusCode, 200);
  assert.match(right.body, /aar_http_request_duration_seconds/);
});

test('/metrics without a token answers the loopback interface only', async () => {
  const local = await evalApp.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
  assert.equal(local.statusCode, 200);
  const v6 = await evalApp.inject({ method: 'GET', url: '/metrics', remoteAddress: '::1' });
  assert.equal(v6.statusCode, 200);
  const pod = await evalApp.inject({ method: 'GET', url: '/metrics', remoteAddress: '10.1.2.3' });
  assert.equal(pod.statusCode, 403);
  assert.doesNotMatch(pod.body, /aar_/);
});

test('/metrics behind a trusted proxy checks the forwarded client too', async () => {
  const app = buildEval({ trustProxy: '127.0.0.1' });
  try {
    const answer = await app.inject({
      method: 'GET',
      url: '/metrics',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': '10.1.2.3' },
    });
    assert.equal(answer.statusCode, 403);
  } finally {
    await app.close();
  }
});

test('the api answers 429 to an address past its refusals, and still serves a token in use from it', async () => {
  const app = buildApi({ authFailureLimit: { max: 5, windowMs: 60_000 } });
  try {
    const from = { remoteAddress: '10.9.9.9' };
    const good = () =>
      app.inject({
        ...from,
        method: 'GET',
        url: '/v1/campaigns',
        headers: { authorization: `Bearer ${operatorToken}` },
      });
    // The operator's token is in use from this address before the flood starts.
    assert.equal((await good()).statusCode, 200);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const answer = await app.inject({
        ...from,
        method: 'GET',
        url: '/v1/campaigns',
        headers: { authorization: 'Bearer not-a-token-at-all-000' },
      });
      statuses.push(answer.statusCode);
      if (answer.statusCode === 429) {
        assert.equal(answer.json().error.code, 'rate_limited');
        assert.ok(Number(answer.headers['retry-after']) > 0);
      }
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
    assert.equal((await good()).statusCode, 200);
    const other = await app.inject({ remoteAddress: '10.9.9.10', method: 'GET', url: '/v1/campaigns' });
    assert.equal(other.statusCode, 401);
    const metrics = await apiRegistry.metrics();
    assert.match(metrics, /aar_http_refused_requests_total\{outcome="unauthorized"\} 6/);
    assert.match(metrics, /aar_http_refused_requests_total\{outcome="throttled"\} 3/);
  } finally {
    await app.close();
  }
});
