import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The bearer token a trainer run uploads its result with: an HMAC of the run id under a key the
 * api server and the dispatch worker share. Nothing is stored, a retried launch derives the same
 * token, and a token opens exactly one run's upload route.
 */
export function deriveRunToken(key: string, runId: string): string {
  return createHmac('sha256', key).update(`aar-run-upload:${runId}`).digest('base64url');
}

/** Constant-time check of a presented run token. */
export function verifyRunToken(key: string, runId: string, presented: string): boolean {
  const expected = Buffer.from(deriveRunToken(key, runId));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
