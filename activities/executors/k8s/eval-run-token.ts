import { ApplicationFailure } from '@temporalio/activity';

/** Mints a token that reads one task's bundle from the eval server, for one pod's lifetime. */
export type MintBundleToken = (taskId: string, ttlSeconds: number) => Promise<string>;

/** Longest run-token lifetime the eval server grants (server/eval/settings.ts). */
export const MAX_BUNDLE_TOKEN_TTL_S = 7 * 24 * 3600;

/**
 * `POST /v1/admin/tokens` with role `run`, bound to the task, with a TTL: the eval server keeps
 * only its hash; the dispatch worker hands it to the pod through the run's Secret and keeps
 * nothing. A task the eval server does not know fails the run for good.
 */
export function createBundleTokenMinter(evalUrl: string, adminToken: string): MintBundleToken {
  return async (taskId, ttlSeconds) => {
    const response = await fetch(`${evalUrl}/v1/admin/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        role: 'run',
        taskId,
        ttlSeconds: Math.min(MAX_BUNDLE_TOKEN_TTL_S, Math.max(60, Math.ceil(ttlSeconds))),
      }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (response.status === 201) return (JSON.parse(text) as { token: string }).token;
    let code = 'http_error';
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? code;
    } catch {
      // Not JSON: keep the status.
    }
    const what = `the eval server refused a bundle token for task ${taskId}: ${response.status} ${code}`;
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429)
      throw ApplicationFailure.nonRetryable(what, 'BundleTokenRefused');
    throw new Error(what);
  };
}
