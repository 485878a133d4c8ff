/**
 * Entry point of the orchestrator worker (task queue `orchestrator`): every workflow and the light
 * activities (agents, database, eval client, forum). Runs until SIGINT/SIGTERM.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { claudeDeps } from '../activities/agent/claude/claude-config.js';
import { createPolicies } from '../activities/agent/policies.js';
import { createHttpEvalClient } from '../activities/eval/http-eval-client.js';
import { createOrchestratorMetrics } from '../activities/metrics.js';
import { assertSchemaCurrent } from '../db/migrate.js';
import { ConfigError } from '../runtime/config.js';
import { createPool, poolOptionsFor } from '../runtime/db.js';
import { runMain } from '../runtime/main.js';
import { createRegistry, serveMetrics } from '../runtime/metrics.js';
import { installTemporalRuntime } from '../runtime/temporal-runtime.js';
import { queueNames } from '../workflows/definitions.js';
import { createOrchestratorWorker } from './orchestrator-worker.js';

runMain('orchestrator-worker', async (config, logger) => {
  if (config.AAR_EVAL_ADMIN_TOKEN === undefined) {
    throw new ConfigError([
      'AAR_EVAL_ADMIN_TOKEN: required by the orchestrator to register and submit experiments (run `make dev-up` to generate one)',
    ]);
  }
  const registry = createRegistry('orchestrator-worker');
  installTemporalRuntime(
    config.AAR_HOST,
    config.AAR_WORKER_METRICS_PORT === 0 ? 0 : config.AAR_WORKER_METRICS_PORT + 1,
  );
  const pool = createPool(poolOptionsFor(config, 'record'), logger, registry);
  await assertSchemaCurrent(pool, 'record');
  const metricsServer = await serveMetrics(registry, config.AAR_HOST, config.AAR_WORKER_METRICS_PORT);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const taskQueue = queueNames(config.AAR_QUEUE_PREFIX).orchestrator;
  const worker = await createOrchestratorWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue,
    pool,
    logger,
    temporal: new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }),
    eval: createHttpEvalClient(config.AAR_EVAL_URL, config.AAR_EVAL_ADMIN_TOKEN),
    metrics: createOrchestratorMetrics(registry),
    policies: createPolicies({ pool, logger, registry, ...claudeDeps(config) }),
  });
  logger.info({ taskQueue, temporal: config.TEMPORAL_ADDRESS }, 'worker started');
  await worker.run();
  await clientConnection.close();
  await connection.close();
  await pool.end();
  metricsServer.close();
});
