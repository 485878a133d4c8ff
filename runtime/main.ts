import { type Config, ConfigError, loadConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';

/** Exit code for a configuration error, so scripts can tell it from a crash. */
export const EXIT_CONFIG = 2;

/**
 * Runs a process entry point: parses configuration first (a bad value stops start-up with a
 * message naming the variable, exit code 2), then runs `body` with a logger. A rejected body is
 * logged and exits 1.
 */
export function runMain(service: string, body: (config: Config, logger: Logger) => Promise<void>): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${service}: ${error.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  }
  const logger = createLogger(service, config.AAR_LOG_LEVEL);
  body(config, logger).then(
    () => {
      logger.info('stopped');
      // Everything was closed; if a stray handle still holds the event loop, do not hang a shutdown.
      setTimeout(() => {
        logger.warn('exiting with handles still open');
        process.exit(0);
      }, 5000).unref();
    },
    (error: unknown) => {
      logger.fatal({ err: error }, 'process failed');
      process.exitCode = 1;
      setTimeout(() => process.exit(1), 200).unref();
    },
  );
}
