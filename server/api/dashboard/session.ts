import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../http/errors.js';
import { bearerOf, tokenGuard } from '../auth/bearer.js';

/** Name of the dashboard's session cookie (HttpOnly, SameSite=Strict). */
export const SESSION_COOKIE = 'aar_session';
/** How long a dashboard login lasts. */
export const SESSION_TTL_SECONDS = 12 * 3600;
/**
 * Header a cookie-authenticated write must carry. A cross-site form cannot set it and the api
 * answers no CORS preflight, so a page on another origin cannot make the browser send it.
 */
export const DASHBOARD_HEADER = 'x-aar-dashboard';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Signs and checks dashboard sessions. A session is `<expiry seconds>.<HMAC>` keyed by a hash of
 * the operator token: nothing is stored server-side, and rotating the operator token ends every
 * session.
 */
export interface SessionCodec {
  issue(nowMs?: number): { value: string; expiresAt: string };
  verify(value: string, nowMs?: number): boolean;
}

export function createSessionCodec(operatorToken: string): SessionCodec {
  const key = createHash('sha256').update(`aar dashboard session\n${operatorToken}`).digest();
  const sign = (expiry: string) => createHmac('sha256', key).update(expiry).digest();
  return {
    issue(nowMs = Date.now()) {
      const expiry = Math.floor(nowMs / 1000) + SESSION_TTL_SECONDS;
      return {
        value: `${expiry}.${sign(String(expiry)).toString('base64url')}`,
        expiresAt: new Date(expiry * 1000).toISOString(),
      };
    },
    verify(value, nowMs = Date.now()) {
      const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
      if (match === null) return false;
      const presented = Buffer.from(match[2]!, 'base64url');
      const expected = sign(match[1]!);
      return (
        presented.length === expected.length &&
        timingSafeEqual(presented, expected) &&
        Number(match[1]) * 1000 > nowMs
      );
    },
  };
}

/** The value of cookie `name` in a `Cookie` header, or null. */
export function cookieOf(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}

/** How an admitted request proved it is the operator. */
export type OperatorVia = 'bearer' | 'cookie';

/**
 * The operator guard of the api: the operator bearer token (CLI, scripts), or a dashboard session
 * cookie. Cookie-authenticated writes must also carry {@link DASHBOARD_HEADER}.
 */
export function operatorGuard(
  operatorToken: string,
  session: SessionCodec,
): (request: FastifyRequest) => Promise<void> {
  const bearer = tokenGuard(operatorToken, 'operator');
  return async (request) => {
    if (bearerOf(request) !== null || request.headers.authorization !== undefined) return bearer(request);
    const cookie = cookieOf(request.headers.cookie, SESSION_COOKIE);
    if (cookie === null) return bearer(request);
    if (!session.verify(cookie))
      throw new AppError('unauthorized', 'the dashboard session expired or is not valid: log in again');
    if (!SAFE_METHODS.has(request.method) && request.headers[DASHBOARD_HEADER] !== '1') {
      throw new AppError(
        'forbidden',
        `a write with the session cookie must carry the "${DASHBOARD_HEADER}: 1" header`,
      );
    }
  };
}

/** Whether the request was admitted by its session cookie rather than a bearer token. */
export function operatorVia(request: FastifyRequest): OperatorVia {
  return request.headers.authorization === undefined ? 'cookie' : 'bearer';
}

/** The `Set-Cookie` value for a session (or, with `null`, one that deletes it). */
export function sessionCookie(value: string | null, secure: boolean): string {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
  return value === null
    ? [`${SESSION_COOKIE}=`, 'Max-Age=0', ...attributes].join('; ')
    : [`${SESSION_COOKIE}=${value}`, `Max-Age=${SESSION_TTL_SECONDS}`, ...attributes].join('; ');
}

/** Constant-time check of a presented operator token. */
export function isOperatorToken(presented: string, operatorToken: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(operatorToken));
}
