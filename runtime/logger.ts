import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * The process logger: pino JSON on stdout, one `service` field per process. Messages are constant
 * strings; what varies goes in structured fields (`workflowId`, `jobName`, ...).
 */
export function createLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['*.token', '*.authorization', '*.apiKey', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}
