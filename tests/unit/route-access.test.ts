import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Client } from '@temporalio/client';
import pg from 'pg';
import { Registry } from 'prom-client';
import { buildApiApp } from '../../server/api/app.js';
import { buildEvalApp } from '../../server/eval/app.js';
import { BOOTSTRAP_REPLICATES } from '../../server/eval/settings.js';
import { type App, createBaseApp } from '../../server/http/base-app.js';
import { declaredRoutes, type RouteAccess } from '../../server/http/route-access.js';
import { testLogger } from '../helpers/silent-logger.js';

// The access of every route, as reviewed: a route added, removed or moved to another level is a
// diff here. Fastify's HEAD twin of each GET route is expected with the GET's access.
const API_ROUTES: Record<string, RouteAccess> = {
  'GET /healthz': 'public',
  'GET /metrics': 'metrics',
  'GET /openapi.json': 'public',
  'POST /v1/runs/:runId/started': 'run',
  'POST /v1/runs/:runId/result': 'run',
  'POST /v1/campaigns': 'operator',
  'GET /v1/campaigns': 'viewer',
  'GET /v1/campaigns/:campaignId': 'viewer',
  'POST /v1/campaigns/:campaignId/pause': 'operator',
  'POST /v1/campaigns/:campaignId/resume': 'operator',
  'POST /v1/campaigns/:campaignId/stop': 'operator',
  'POST /v1/campaigns/:campaignId/cancel': 'operator',
  'POST /v1/campaigns/:campaignId/budget': 'operator',
  'POST /v1/campaigns/:campaignId/agents/:agentId/pause': 'operator',
  'POST /v1/campaigns/:campaignId/agents/:agentId/resume': 'operator',
  'POST /v1/campaigns/:campaignId/agents/:agentId/stop': 'operator',
  'POST /v1/campaigns/:campaignId/agents/:agentId/message': 'operator',
  'POST /v1/campaigns/:campaignId/agents/:agentId/budget': 'operator',
  'GET /v1/campaigns/:campaignId/experiments': 'viewer',
  'GET /v1/experiments/:experimentId': 'viewer',
  'GET /v1/campaigns/:campaignId/leaderboard': 'viewer',
  'GET /v1/campaigns/:campaignId/forum': 'viewer',
  'GET /v1/forum/posts/:postId': 'viewer',
  'POST /v1/campaigns/:campaignId/forum': 'operator',
  'POST /v1/session': 'public',
  'DELETE /v1/session': 'public',
  'GET /v1/session': 'viewer',
  'GET /': 'public',
  'GET /ui': 'public',
  'GET /ui/assets/app.js': 'public',
  'GET /ui/assets/style.css': 'public',
  'GET /ui/': 'public',
  'GET /ui/*': 'public',
  'GET /v1/campaigns/:campaignId/events': 'viewer',
  'GET /v1/campaigns/:campaignId/pgr-series': 'viewer',
  'GET /v1/experiments/:experimentId/results': 'viewer',
  'GET /v1/campaigns/:campaignId/export': 'viewer',
  'GET /v1/runs/:runId/logs': 'viewer',
  'POST /v1/campaigns/:campaignId/retry-failed': 'operator',
  'POST /v1/campaigns/:campaignId/reset': 'operator',
  'POST /v1/campaigns/:campaignId/agents/:agentId/reset': 'operator',
  'POST /v1/experiments/:experimentId/promote': 'operator',
  'GET /v1/campaigns/:campaignId/promotions': 'viewer',
  'GET /v1/promotions/:promotionId': 'viewer',
  'POST /v1/promotions/:promotionId/sign-off': 'approver',
  'GET /v1/campaigns/:campaignId/flags': 'viewer',
  'POST /v1/flags/:flagId/clear': 'approver',
  'GET /v1/campaigns/:campaignId/report': 'viewer',
  'GET /v1/operators': 'admin',
  'POST /v1/operators': 'admin',
  'POST /v1/operators/:operatorId/rotate': 'admin',
  'DELETE /v1/operators/:operatorId': 'admin',
};

const EVAL_ROUTES: Record<string, RouteAccess> = {
  'GET /healthz': 'public',
  'GET /metrics': 'metrics',
  'GET /openapi.json': 'public',
  'PUT /v1/admin/tasks/:taskId': 'admin',
  'GET /v1/tasks/:taskId': 'agentOrAdmin',
  'GET /v1/tasks/:taskId/bundle': 'bundleReader',
  'POST /v1/admin/tokens': 'admin',
  'GET /v1/admin/tokens': 'admin',
  'POST /v1/admin/tokens/:tokenId/rotate': 'admin',
  'DELETE /v1/admin/tokens/:tokenId': 'admin',
  'PUT /v1/admin/experiments/:experimentId': 'admin',
  'GET /v1/admin/experiments/:experimentId': 'admin',
  'POST /v1/submissions': 'agent',
  'GET /v1/submissions': 'agent',
  'GET /v1/submissions/:submissionId': 'agent',
  'GET /v1/admin/submissions/:submissionId': 'admin',
  'GET /v1/admin/submissions': 'admin',
  'GET /v1/leaderboard': 'agentOrAdmin',
  'GET /v1/admin/leaderboard': 'admin',
  'GET /v1/admin/violations': 'admin',
  'GET /v1/admin/audit/verify': 'admin',
  'GET /v1/admin/audit': 'admin',
  'POST /v1/admin/comparisons': 'admin',
};

// No database and no Temporal server: the guards refuse a request without credentials before
// any query, and the Temporal client connects lazily. (The eval server's audit append of a
// refusal fails against this pool; it is logged and the answer still goes out.)
const pool = new pg.Pool({
  connectionString: 'postgres://nobody@127.0.0.1:1/none',
  connectionTimeoutMillis: 1000,
});
const http = { metricsToken: 'metrics-token' };
const apiApp = buildApiApp({
  pool,
  logger: testLogger,
  registry: new Registry(),
  temporal: new Client(),
  orchestratorQueue: 'orchestrator',
  namespace: 'default',
  temporalUiUrl: 'http://127.0.0.1:1',
  operatorToken: 'operator-token',
  runTokenKey: 'run-token-key',
  http,
});
const evalApp = buildEvalApp({
  pool,
  logger: testLogger,
  registry: new Registry(),
  http,
  settings: {
    adminToken: 'admin-token-of-sixteen-characters',
    budgetPerHour: 1000,
    budgetPerCampaign: 10_000,
    ladderStep: 0.01,
    probeFraction: 0.01,
    submissionBodyLimit: 1024 * 1024,
    taskBodyLimit: 1024 * 1024,
    bootstrapReplicates: BOOTSTRAP_REPLICATES,
    auditVerifyIntervalMs: 0,
  },
});
after(async () => {
  await apiApp.close();
  await evalApp.close();
  await pool.end();
});

/** `METHOD url` → access of every route the app registered. */
async function routesOf(app: App): Promise<Map<string, RouteAccess>> {
  await app.ready();
  return new Map(declaredRoutes(app).map((r) => [`${r.method} ${r.url}`, r.access]));
}

/** The table's routes, with the HEAD twin of each GET. */
function expectedOf(table: Record<string, RouteAccess>): Map<string, RouteAccess> {
  return new Map(
    Object.entries(table).flatMap(([route, access]): [string, RouteAccess][] =>
      route.startsWith('GET ')
        ? [
            [route, access],
            [`HEAD ${route.slice(4)}`, access],
          ]
        : [[route, access]],
    ),
  );
}

/** What differs between the routes an app registered and its table: each list empty when none. */
function differences(actual: Map<string, RouteAccess>, expected: Map<string, RouteAccess>) {
  return {
    notInTable: [...actual].filter(([route]) => !expected.has(route)).map(([r, a]) => `${r} ${a}`),
    notRegistered: [...expected.keys()].filter((route) => !actual.has(route)),
    otherAccess: [...actual]
      .filter(([route, access]) => expected.has(route) && expected.get(route) !== access)
      .map(([route, access]) => `${route}: declares ${access}, table says ${expected.get(route)}`),
  };
}

const none = { notInTable: [], notRegistered: [], otherAccess: [] };

test('every route of the api server declares the access its table gives', async () => {
  assert.deepEqual(differences(await routesOf(apiApp), expectedOf(API_ROUTES)), none);
});

test('every route of the eval server declares the access its table gives', async () => {
  assert.deepEqual(differences(await routesOf(evalApp), expectedOf(EVAL_ROUTES)), none);
});

test('the declared routes are the routes Fastify serves', async () => {
  for (const app of [apiApp, evalApp]) {
    await app.ready();
    for (const { method, url } of declaredRoutes(app))
      assert.ok(app.hasRoute({ method, url }), `${method} ${url} is not in the router`);
  }
});

test('refuses to start with a route that declares no access, naming its method and URL', async () => {
  const app = createBaseApp({ logger: testLogger, registry: new Registry(), bodyLimit: 1024, guards: {} });
  app.register(async (child) => {
    child.post('/v1/forgotten/:id', async () => ({}));
  });
  await assert.rejects(async () => {
    await app.ready();
  }, /route POST \/v1\/forgotten\/:id declares no access/);
  await app.close();
});

test('refuses to start with a route whose access level the server does not guard', async () => {
  const app = createBaseApp({ logger: testLogger, registry: new Registry(), bodyLimit: 1024, guards: {} });
  app.register(async (child) => {
    child.get('/v1/things', { config: { access: 'agent' } }, async () => ({}));
  });
  await assert.rejects(async () => {
    await app.ready();
  }, /route GET \/v1\/things declares access "agent", which this server does not guard/);
  await app.close();
});

test('answers a request without credentials with 401 at each protected level of the api server', async () => {
  const oneRoutePerLevel = [
    ['viewer', 'GET', '/v1/campaigns'],
    ['viewer (HEAD twin)', 'HEAD', '/v1/campaigns'],
    ['operator', 'POST', '/v1/campaigns'],
    ['approver', 'POST', '/v1/flags/f1/clear'],
    ['admin', 'GET', '/v1/operators'],
    ['run', 'POST', '/v1/runs/r1/result'],
    ['metrics', 'GET', '/metrics'],
  ] as const;
  for (const [level, method, url] of oneRoutePerLevel) {
    const res = await apiApp.inject({ method, url });
    assert.equal(res.statusCode, 401, `${level}: ${method} ${url}`);
  }
  assert.equal((await apiApp.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});

test('answers a request without credentials with 401 at each protected level of the eval server', async () => {
  const oneRoutePerLevel = [
    ['admin', 'GET', '/v1/admin/tokens'],
    ['agent', 'GET', '/v1/submissions'],
    ['agentOrAdmin', 'GET', '/v1/leaderboard'],
    ['bundleReader', 'GET', '/v1/tasks/t1/bundle'],
    ['metrics', 'GET', '/metrics'],
  ] as const;
  for (const [level, method, url] of oneRoutePerLevel) {
    const res = await evalApp.inject({ method, url });
    assert.equal(res.statusCode, 401, `${level}: ${method} ${url}`);
  }
  assert.equal((await evalApp.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});
