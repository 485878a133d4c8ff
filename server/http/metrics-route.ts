import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { App } from './base-app.js';
import { AppError } from './errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Whether an address is the loopback interface (IPv4, IPv6, or IPv4 mapped into IPv6). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return v4.startsWith('127.') || address === '::1';
}

/**
 * Who may read `/metrics`: with a token, only a request that sends `Authorization: Bearer
 * <token>`; without one, only a process on this machine (the socket and, behind a trusted
 * proxy, the forwarded client are both loopback). Pods of other workloads never read it.
 */
export function metricsGuard(token: string | undefined) {
  const expected = token === undefined ? null : digest(token);
  return async (request: FastifyRequest): Promise<void> => {
    if (expected === null) {
      if (isLoopback(request.socket.remoteAddress) && isLoopback(request.ip)) return;
      throw new AppError(
        'forbidden',
        '/metrics is served to loopback only: set AAR_METRICS_TOKEN to scrape it from elsewhere',
      );
    }
    const header = request.headers.authorization;
    const sent = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : null;
    if (sent === null || !timingSafeEqual(digest(sent), expected))
      throw new AppError('unauthorized', '/metrics needs Authorization: Bearer <AAR_METRICS_TOKEN>');
  };
}

/** `/metrics` of `registry`, at the `metrics` access level: `metricsGuard(token)`. */
export function metricsRoute(app: App, registry: Registry): void {
  app.get('/metrics', { config: { access: 'metrics' }, schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', registry.contentType);
    return await registry.metrics();
  });
}
