/**
 * Entry point of the api server: campaigns, forum, experiments and result uploads on
 * AAR_HOST:AAR_API_PORT. Checks the database schema before it listens.
 */
import { Client, Connection } from '@temporalio/client';
import { assertSchemaCurrent } from '../../db/migrate.js';
import { ConfigError } from '../../runtime/config.js';
import { createPool, poolOptionsFor } from '../../runtime/db.js';
import { runMain } from '../../runtime/main.js';
import { createRegistry } from '../../runtime/metrics.js';
import { queueNames } from '../../workflows/definitions.js';
import { httpOptionsFrom } from '../http/http-options.js';
import { buildApiApp } from './app.js';

runMain('api-server', async (config, logger) => {
  const missing = [
    config.AAR_OPERATOR_TOKEN === undefined
      ? 'AAR_OPERATOR_TOKEN: required to protect operator routes'
      : null,
    config.AAR_RUN_TOKEN_KEY === undefined ? 'AAR_RUN_TOKEN_KEY: required to check result uploads' : null,
  ].filter((p): p is string => p !== null);
  if (missing.length > 0)
    throw new ConfigError(missing.map((m) => `${m} (run \`make dev-up\` to generate the dev secrets)`));
  const registry = createRegistry('api-server');
  const pool = createPool(poolOptionsFor(config, 'record'), logger, registry);
  await assertSchemaCurrent(pool, 'record');
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const app = buildApiApp({
    pool,
    logger,
    registry,
    temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    orchestratorQueue: queueNames(config.AAR_QUEUE_PREFIX).orchestrator,
    namespace: config.TEMPORAL_NAMESPACE,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    operatorToken: config.AAR_OPERATOR_TOKEN!,
    trustProxy: config.AAR_TRUST_PROXY,
    runTokenKey: config.AAR_RUN_TOKEN_KEY!,
    // Run logs are served when the local executor writes them on this machine (the dev stack).
    runsDir: config.AAR_RUNS_DIR,
    http: httpOptionsFrom(config),
  });
  await app.listen({ host: config.AAR_HOST, port: config.AAR_API_PORT });
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await app.close();
  await connection.close();
  await pool.end();
});
