import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { createPolicies } from '../../activities/agent/policies.js';
import { createHttpEvalClient } from '../../activities/eval/http-eval-client.js';
import { createOrchestratorMetrics } from '../../activities/metrics.js';
import { createOrchestratorWorker } from '../../workers/orchestrator-worker.js';
import { registerCampaignWorkflow } from '../../workflows/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { testLogger } from '../helpers/silent-logger.js';
import { connectTemporal, type TemporalHandles, uniqueQueue, workflowBundle } from '../helpers/temporal.js';

let db: TestDatabase;
let temporal: TemporalHandles;

before(async () => {
  db = await createTestDatabase();
  temporal = await connectTemporal();
});

after(async () => {
  await temporal.close();
  await db.drop();
});

test('a workflow on the real Temporal server records a campaign row in the real database', async () => {
  const taskQueue = uniqueQueue('first-path');
  const worker = await createOrchestratorWorker({
    connection: temporal.workerConnection,
    namespace: temporal.namespace,
    pool: db.pool,
    logger: testLogger,
    temporal: temporal.client,
    // This path never reaches the eval server.
    eval: createHttpEvalClient('http://127.0.0.1:9', 'unused-admin-token'),
    metrics: createOrchestratorMetrics(new Registry()),
    policies: createPolicies({ pool: db.pool, logger: testLogger, registry: new Registry() }),
    taskQueue,
    workflowBundle: await workflowBundle(),
  });
  const input = { campaignId: 'first-path', name: 'First path', taskId: 'mnist1d', spec: { agents: 3 } };
  const workflowId = `campaign-register-first-path-${taskQueue}`;
  const result = await worker.runUntil(
    temporal.client.workflow.execute(registerCampaignWorkflow, { taskQueue, workflowId, args: [input] }),
  );
  assert.equal(result.campaignId, 'first-path');
  assert.equal(result.created, true);
  assert.equal(result.status, 'pending');

  const rows = await db.pool.query('SELECT name, task_id, spec, workflow_id, status FROM campaigns');
  assert.deepEqual(rows.rows, [
    {
      name: 'First path',
      task_id: 'mnist1d',
      spec: { agents: 3 },
      workflow_id: workflowId,
      status: 'pending',
    },
  ]);

  const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = history.events?.filter((e) => e.activityTaskScheduledEventAttributes) ?? [];
  assert.equal(scheduled.length, 1, 'the row was written by exactly one activity');
});

test('registering the same campaign again adopts the existing row', async () => {
  const taskQueue = uniqueQueue('first-path');
  const worker = await createOrchestratorWorker({
    connection: temporal.workerConnection,
    namespace: temporal.namespace,
    pool: db.pool,
    logger: testLogger,
    temporal: temporal.client,
    // This path never reaches the eval server.
    eval: createHttpEvalClient('http://127.0.0.1:9', 'unused-admin-token'),
    metrics: createOrchestratorMetrics(new Registry()),
    policies: createPolicies({ pool: db.pool, logger: testLogger, registry: new Registry() }),
    taskQueue,
    workflowBundle: await workflowBundle(),
  });
  const input = { campaignId: 'first-path', name: 'Renamed', taskId: 'mnist1d', spec: {} };
  const result = await worker.runUntil(
    temporal.client.workflow.execute(registerCampaignWorkflow, {
      taskQueue,
      workflowId: `campaign-register-again-${taskQueue}`,
      args: [input],
    }),
  );
  assert.equal(result.created, false);
  const rows = await db.pool.query('SELECT name FROM campaigns');
  assert.deepEqual(rows.rows, [{ name: 'First path' }]);
});
