import type { Logger } from '../../runtime/logger.js';
import { deriveRunToken } from '../../runtime/run-token.js';

/**
 * Reports to the api server that a run's process or Job started, with the run's own token, so
 * operators see it running. Best effort: a few tries, then a warning; the run goes on either way.
 */
export function createRunStartedReporter(apiUrl: string, runTokenKey: string, logger: Logger) {
  return async (runId: string, externalId: string): Promise<void> => {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        const response = await fetch(`${apiUrl}/v1/runs/${encodeURIComponent(runId)}/started`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${deriveRunToken(runTokenKey, runId)}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ externalId }),
          signal: AbortSignal.timeout(5000),
        });
        if (response.ok || (response.status >= 400 && response.status < 500)) return;
      } catch {
        // Retried below.
      }
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
    logger.warn({ runId }, 'could not report run start to the api server');
  };
}
