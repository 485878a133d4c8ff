/**
 * Recomputes the eval server's audit chain straight from its database:
 *
 *   node --import tsx server/eval/verify-audit.ts
 *
 * Prints `OK <n> entries, head <hash>` and exits 0, or names the first broken link and exits 1.
 */

import { ConfigError, loadConfig } from '../../runtime/config.js';
import { createPool, poolOptionsFor } from '../../runtime/db.js';
import { createLogger } from '../../runtime/logger.js';
import { EXIT_CONFIG } from '../../runtime/main.js';
import { verifyAudit } from './audit/audit-repository.js';

async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`verify-audit: ${error.message}\n`);
    return EXIT_CONFIG;
  }
  const logger = createLogger('verify-audit', config.AAR_LOG_LEVEL);
  const pool = createPool(poolOptionsFor(config, 'eval', 1), logger);
  try {
    const result = await verifyAudit(pool);
    if (result.ok) {
      process.stdout.write(`OK ${result.entries} entries, head ${result.headHash}\n`);
      return 0;
    }
    process.stdout.write(
      `BROKEN at entry ${result.firstBrokenSeq}: ${result.reason} (${result.entries} entries verified before it)\n`,
    );
    return 1;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`verify-audit: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
