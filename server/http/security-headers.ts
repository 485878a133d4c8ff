import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The policy of an HTML answer whose route sets none: nothing may load or run. Routes that need
 * more (the dashboard's script and stylesheet, the report's inline styles) set their own.
 */
export const DEFAULT_HTML_POLICY = [
  "default-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * An `onSend` hook: every answer says `X-Content-Type-Options: nosniff` (a JSON answer holding
 * agent-written text is never sniffed as HTML), and every `text/html` answer carries a
 * Content-Security-Policy: the route's own, or `DEFAULT_HTML_POLICY`.
 */
export async function securityHeaders(
  _request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
): Promise<unknown> {
  reply.header('x-content-type-options', 'nosniff');
  const type = reply.getHeader('content-type');
  if (typeof type === 'string' && type.toLowerCase().startsWith('text/html')) {
    if (!reply.hasHeader('content-security-policy'))
      reply.header('content-security-policy', DEFAULT_HTML_POLICY);
    if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
  }
  return payload;
}
