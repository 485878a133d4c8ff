import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import { Registry } from 'prom-client';
import { createOrchestratorMetrics } from '../../activities/metrics.js';
import { evalOutage, isDatabaseUnreachable, reportingOutages } from '../../activities/outages.js';
import { DEPENDENCY_UNAVAILABLE } from '../../workflows/definitions.js';
import { testLogger } from '../helpers/silent-logger.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

test('tells a database that cannot be reached from one that refuses a statement', () => {
  const cases: [Error, boolean][] = [
    [withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), true],
    [withCode('terminating connection due to administrator command', '57P01'), true],
    [withCode('the database system is starting up', '57P03'), true],
    [withCode('connection failure', '08006'), true],
    [new Error('Connection terminated unexpectedly'), true],
    [new Error('timeout exceeded when trying to connect'), true],
    [withCode('duplicate key value violates unique constraint', '23505'), false],
    [new Error('experiment x is not recorded'), false],
    [ApplicationFailure.create({ message: 'connect ECONNREFUSED', type: 'Other' }), false],
  ];
  for (const [error, unreachable] of cases)
    assert.equal(isDatabaseUnreachable(error), unreachable, error.message);
});

test('an eval server that is down or refuses the token is an outage; an invalid request is final', () => {
  const invalid = ApplicationFailure.nonRetryable('answered 400 invalid_request', 'Eval_invalid_request');
  assert.equal(evalOutage(invalid), invalid);
  for (const error of [
    ApplicationFailure.nonRetryable('answered 401 unauthorized', 'Eval_unauthorized'),
    new Error('eval server GET /v1/admin/violations answered 503 http_error'),
    new TypeError('fetch failed'),
  ]) {
    const outage = evalOutage(error);
    assert.ok(outage instanceof ApplicationFailure, error.message);
    assert.equal(outage.type, DEPENDENCY_UNAVAILABLE);
    assert.equal(outage.nonRetryable, false);
    assert.deepEqual(outage.details, ['eval_server']);
  }
});

test('a wrapped activity that cannot reach the database fails as a counted, retryable outage', async () => {
  const registry = new Registry();
  const metrics = createOrchestratorMetrics(registry);
  const refused = withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
  const broken = new Error('a bug');
  const activities = reportingOutages(
    {
      write: async (_input: { id: string }) => {
        throw refused;
      },
      buggy: async () => {
        throw broken;
      },
      fine: async (n: number) => n + 1,
    },
    { logger: testLogger, metrics },
  );
  await assert.rejects(activities.write({ id: 'x' }), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, DEPENDENCY_UNAVAILABLE);
    assert.equal(error.nonRetryable, false);
    assert.deepEqual(error.details, ['database']);
    assert.equal(error.cause, refused);
    return true;
  });
  await assert.rejects(activities.buggy(), (error: unknown) => error === broken);
  assert.equal(await activities.fine(1), 2);
  assert.match(await registry.metrics(), /aar_dependency_unavailable_total\{dependency="database"\} 1\b/);
});
