/**
 * Entry point of the eval server: parses configuration, refuses to start without an admin
 * token, checks that the eval database schema is current, and serves until SIGINT/SIGTERM.
 */
import { once } from 'node:events';
import { assertSchemaCurrent } from '../../db/migrate.js';
import { createPool, poolOptionsFor } from '../../runtime/db.js';
import { EXIT_CONFIG, runMain } from '../../runtime/main.js';
import { createRegistry } from '../../runtime/metrics.js';
import { httpOptionsFrom } from '../http/http-options.js';
import { buildEvalApp } from './app.js';
import { Scoring } from './scoring/scoring.js';
import { evalSettingsFrom, MissingAdminTokenError } from './settings.js';

runMain('eval-server', async (config, logger) => {
  let settings: ReturnType<typeof evalSettingsFrom>;
  try {
    settings = evalSettingsFrom(config);
  } catch (error) {
    if (!(error instanceof MissingAdminTokenError)) throw error;
    process.stderr.write(`eval-server: ${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  const registry = createRegistry('eval-server');
  const pool = createPool(poolOptionsFor(config, 'eval'), logger, registry);
  try {
    await assertSchemaCurrent(pool, 'eval');
    // Scoring workers start before the port opens, so no submission waits for one to load.
    const scoring = Scoring.create({ logger });
    await scoring.warm();
    const app = buildEvalApp({ pool, logger, registry, settings, http: httpOptionsFrom(config), scoring });
    await app.listen({ host: config.AAR_HOST, port: config.AAR_EVAL_PORT });
    logger.info({ host: config.AAR_HOST, port: config.AAR_EVAL_PORT }, 'eval server listening');
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    logger.info('eval server stopping');
    await app.close();
  } finally {
    await pool.end();
  }
});
