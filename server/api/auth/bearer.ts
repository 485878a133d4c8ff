import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../http/errors.js';

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** A guard that admits requests carrying exactly `token` (compared in constant time). */
export function tokenGuard(token: string, who: string): (request: FastifyRequest) => Promise<void> {
  const expected = digest(token);
  return async (request) => {
    const presented = bearerOf(request);
    if (presented === null) {
      throw new AppError('unauthorized', `missing bearer token: send "Authorization: Bearer <${who} token>"`);
    }
    if (!timingSafeEqual(digest(presented), expected))
      throw new AppError('unauthorized', `the ${who} token is not valid`);
  };
}
