import { createHash } from 'node:crypto';
import type {} from '@fastify/rate-limit';
import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { App } from './base-app.js';
import type { ErrorResponse } from './errors.js';

/** How many refused requests one source may make per window before it is answered 429. */
export interface AuthFailureLimit {
  readonly max: number;
  readonly windowMs: number;
}
export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimit = { max: 60, windowMs: 60_000 };

/** What the limiter decided about one refused request. */
export interface AuthFailure {
  /** The source address (the client's, behind a trusted proxy). */
  readonly source: string;
  /** The first refusal of this source in its window: the one the eval server audits. */
  readonly firstInWindow: boolean;
  /** Over the limit: answered 429 `rate_limited` instead of 401/403. */
  readonly throttled: boolean;
  readonly limit: AuthFailureLimit;
}

/** Error codes of a request that failed authentication or access checks (not business refusals). */
const REFUSED = new Set(['unauthorized', 'forbidden']);
const decisions = new WeakMap<FastifyRequest, AuthFailure>();

/** The limiter's decision about `request`, or null when it was not a refused request. */
export function authFailureOf(request: FastifyRequest): AuthFailure | null {
  return decisions.get(request) ?? null;
}

/** Sources and credentials remembered at once; the oldest are forgotten first. */
const REMEMBERED = 10_000;

/** A Map of keys to expiry times (ms), bounded in size, that forgets expired and oldest keys. */
class ExpiringSet {
  readonly #until = new Map<string, number>();
  add(key: string, until: number): void {
    this.#until.delete(key);
    this.#until.set(key, until);
    if (this.#until.size > REMEMBERED) this.#until.delete(this.#until.keys().next().value as string);
  }
  /** The expiry time of `key` while it lasts, else null. */
  until(key: string, now: number): number | null {
    const until = this.#until.get(key);
    if (until === undefined) return null;
    if (until > now) return until;
    this.#until.delete(key);
    return null;
  }
}

/** A digest of the credentials a request carries (bearer token or cookies), or null when none. */
function credentialOf(request: FastifyRequest): string | null {
  const presented = request.headers.authorization ?? request.headers.cookie;
  return presented === undefined ? null : createHash('sha256').update(presented).digest('base64url');
}

/** The error code of a serialized error body, or null. */
function errorCodeOf(payload: unknown): string | null {
  if (typeof payload !== 'string' || payload.length > 65_536) return null;
  try {
    const code = (JSON.parse(payload) as Partial<ErrorResponse>).error?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

/**
 * Counts requests answered 401 or 403 (`unauthorized`, `forbidden`) per source with
 * `@fastify/rate-limit`'s store (an LRU, so memory stays bounded under a flood of addresses);
 * past `limit.max` in a window the answer becomes 429 `rate_limited` with `Retry-After`.
 * Authenticated requests are never counted, so trainers and the orchestrator are never throttled
 * by someone else's bad tokens. While a source is over its limit, its requests are answered 429
 * before any guard runs (no database read per request), except those presenting credentials
 * that passed a guard within the window. Counted as `aar_http_refused_requests_total{outcome}`.
 */
export function limitAuthFailures(app: App, limit: AuthFailureLimit, registry: Registry): void {
  const refused = new Counter({
    name: 'aar_http_refused_requests_total',
    help: 'Requests refused for authentication or access (unauthorized, forbidden), and those answered 429 for too many refusals from one source (throttled).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  app.register(rateLimit, { global: false });
  let count: ReturnType<App['createRateLimit']> | undefined;
  app.addHook('onReady', async () => {
    count = app.createRateLimit({
      max: limit.max,
      timeWindow: limit.windowMs,
      keyGenerator: (request) => request.ip,
    });
  });
  // Sources over their limit, and credentials that recently passed a guard: a throttled source
  // is answered before any guard reads the database, unless it presents credentials seen good.
  const throttledSources = new ExpiringSet();
  const goodCredentials = new ExpiringSet();
  const throttle = (reply: FastifyReply, retryAfterSeconds: number) => {
    const body: ErrorResponse = {
      error: {
        code: 'rate_limited',
        message: `too many refused requests from this address; retry after ${retryAfterSeconds} s with a valid token`,
      },
    };
    reply.code(429).header('retry-after', String(retryAfterSeconds));
    return body;
  };
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const now = Date.now();
    const until = throttledSources.until(request.ip, now);
    if (until === null) return;
    const credential = credentialOf(request);
    if (credential !== null && goodCredentials.until(credential, now) !== null) return;
    decisions.set(request, { source: request.ip, firstInWindow: false, throttled: true, limit });
    refused.inc({ outcome: 'throttled' });
    return reply.send(throttle(reply, Math.max(1, Math.ceil((until - now) / 1000))));
  });
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const status = reply.statusCode;
    if (status !== 401 && status !== 403) {
      const credential = status < 400 && request.url.startsWith('/v1/') ? credentialOf(request) : null;
      if (credential !== null) goodCredentials.add(credential, Date.now() + limit.windowMs);
      return payload;
    }
    if (count === undefined) return payload;
    const code = errorCodeOf(payload);
    if (code === null || !REFUSED.has(code)) return payload;
    const result = await count(request);
    if (result.isAllowed) return payload;
    const throttled = result.isExceeded;
    decisions.set(request, {
      source: result.key,
      firstInWindow: result.remaining === result.max - 1,
      throttled,
      limit,
    });
    refused.inc({ outcome: throttled ? 'throttled' : code });
    if (!throttled) return payload;
    throttledSources.add(result.key, Date.now() + result.ttl);
    return JSON.stringify(throttle(reply, result.ttlInSeconds));
  });
}
