import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyReply } from 'fastify';
import type { ApiPlugin } from '../context.js';
import { dashboardScript, WEB_ROOT } from './web-bundle.js';

/**
 * No inline script or style, nothing from another origin: agent-written text that slipped past
 * escaping still could not run. The page talks only to this server.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(reply: FastifyReply, contentType: string): FastifyReply {
  return reply
    .header('content-type', contentType)
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY')
    .header('cache-control', 'no-cache');
}

/**
 * The dashboard as static files under `/ui/`: one HTML shell for every page (the script reads the
 * path), the stylesheet, and the script bundled from `web/src`. Pages fetch their data from the
 * `/v1` routes with the session cookie.
 */
export const staticRoutes: ApiPlugin = async (app) => {
  const staticFile = { config: { access: 'public' }, schema: { hide: true } } as const;
  app.get('/', staticFile, async (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui', staticFile, async (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui/assets/app.js', staticFile, async (_request, reply) =>
    secure(reply, 'text/javascript; charset=utf-8').send(await dashboardScript()),
  );
  app.get('/ui/assets/style.css', staticFile, async (_request, reply) =>
    secure(reply, 'text/css; charset=utf-8').send(await readFile(join(WEB_ROOT, 'style.css'), 'utf8')),
  );
  const page = async (_request: unknown, reply: FastifyReply) =>
    secure(reply, 'text/html; charset=utf-8').send(await readFile(join(WEB_ROOT, 'index.html'), 'utf8'));
  app.get('/ui/', staticFile, page);
  app.get('/ui/*', staticFile, page);
};
