/**
 * Entry point of the orchestrator worker (task queue `orchestrator`): parses configuration, opens
 * the database pool and the Temporal connection, serves /metrics, and runs until SIGINT/SIGTERM.
 */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { assertSchemaCurrent } from '../db/migrate.js';
import { createPool } from '../runtime/db.js';
import { runMain } from '../runtime/main.js';
import { createRegistry, serveMetrics } from '../runtime/metrics.js';
import { createOrchestratorWorker } from './orchestrator-worker.js';

runMain('orchestrator-worker', async (config, logger) => {
  const registry = createRegistry('orchestrator-worker');
  Runtime.install({
    telemetryOptions: {
      metrics: { prometheus: { bindAddress: `${config.AAR_HOST}:${config.AAR_WORKER_METRICS_PORT + 1}` } },
    },
  });
  const pool = createPool(
    {
      url: config.DATABASE_URL,
      max: config.AAR_DB_POOL_MAX,
      connectTimeoutMs: config.AAR_DB_CONNECT_TIMEOUT_MS,
      name: 'record',
    },
    logger,
    registry,
  );
  await assertSchemaCurrent(pool, 'record');
  const metrics = await serveMetrics(registry, config.AAR_HOST, config.AAR_WORKER_METRICS_PORT);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createOrchestratorWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    pool,
    logger,
  });
  logger.info({ taskQueue: 'orchestrator', temporal: config.TEMPORAL_ADDRESS }, 'worker started');
  await worker.run();
  await connection.close();
  await pool.end();
  metrics.close();
});
