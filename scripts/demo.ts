/**
 * `make demo`: runs the first durable path on the embedded stack (a workflow that records a
 * campaign through an activity) and prints where to look.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../runtime/config.js';
import { createPool } from '../runtime/db.js';
import { createLogger } from '../runtime/logger.js';
import { createOrchestratorWorker } from '../workers/orchestrator-worker.js';
import { ORCHESTRATOR_QUEUE, registerCampaignWorkflowId } from '../workflows/definitions.js';
import { registerCampaignWorkflow } from '../workflows/index.js';

const config = loadConfig();
const logger = createLogger('demo', 'warn');
const pool = createPool(
  { url: config.DATABASE_URL, max: 2, connectTimeoutMs: config.AAR_DB_CONNECT_TIMEOUT_MS, name: 'record' },
  logger,
);
const nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
const worker = await createOrchestratorWorker({
  connection: nativeConnection,
  namespace: config.TEMPORAL_NAMESPACE,
  pool,
  logger,
});
const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });

const campaignId = `demo-${new Date()
  .toISOString()
  .slice(0, 19)
  .replace(/[^0-9]/g, '')}`;
const workflowId = registerCampaignWorkflowId(campaignId);
const result = await worker.runUntil(
  client.workflow.execute(registerCampaignWorkflow, {
    taskQueue: ORCHESTRATOR_QUEUE,
    workflowId,
    args: [{ campaignId, name: 'Demo campaign', taskId: 'mnist1d', spec: { demo: true } }],
  }),
);
const db = new URL(config.DATABASE_URL);
db.password = db.password ? '***' : '';
console.log(`
recorded campaign ${result.campaignId} (status ${result.status}) through workflow ${workflowId}

  Temporal UI:  ${config.TEMPORAL_UI_URL}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${workflowId}
  Database:     ${db.toString()}   (psql "$DATABASE_URL" -c 'select id, status from campaigns')
`);
await connection.close();
await nativeConnection.close();
await pool.end();
