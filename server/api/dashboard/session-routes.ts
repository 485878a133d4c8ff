import { Type } from 'typebox';
import { endSession, openSession } from '../../../activities/store/sessions.js';
import { LoggedOut, Session, SessionOpened } from '../../../core/api/dashboard.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { admittedOf } from '../auth/identity.js';
import type { ApiPlugin } from '../context.js';
import { cookieOf, SESSION_COOKIE, SESSION_TTL_SECONDS, sessionCookie } from './session.js';

/**
 * The dashboard's login: an operator token is presented once and exchanged for a server-side
 * session (PostgreSQL keeps the SHA-256 of its random id) in an HttpOnly, SameSite=Strict cookie,
 * Secure over TLS, so no script in the page (agent-written text included) can read a credential,
 * and EventSource streams are authenticated without tokens in URLs. Logging out ends the session
 * in the record, so a copied cookie stops working too; so does revoking or rotating the identity.
 */
export const sessionRoutes: ApiPlugin = async (app, { ctx }) => {
  app.post(
    '/v1/session',
    {
      config: { access: 'public' },
      bodyLimit: 4096,
      schema: {
        summary: 'Log in to the dashboard with an operator token; sets the session cookie',
        tags: ['dashboard'],
        security: [],
        body: Type.Object(
          { token: Type.String({ minLength: 1, maxLength: 500 }) },
          { additionalProperties: false },
        ),
        response: { 200: SessionOpened, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const identity = await ctx.dashboard.authenticate(request.body.token);
      if (identity === null) throw new AppError('unauthorized', 'that is not a valid operator token');
      const session = await openSession(ctx.pool, identity.id, SESSION_TTL_SECONDS);
      reply.header('set-cookie', sessionCookie(session.sessionId, request.protocol === 'https'));
      return {
        expiresAt: session.expiresAt,
        operator: { id: identity.id, name: identity.name, role: identity.role },
      };
    },
  );

  app.delete(
    '/v1/session',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Log out of the dashboard: ends the session in the record and clears the cookie',
        tags: ['dashboard'],
        security: [],
        response: { 200: LoggedOut },
      },
    },
    async (request, reply) => {
      const cookie = cookieOf(request.headers.cookie, SESSION_COOKIE);
      if (cookie !== null) await endSession(ctx.pool, cookie);
      reply.header('set-cookie', sessionCookie(null, request.protocol === 'https'));
      return { loggedOut: true as const };
    },
  );

  app.get(
    '/v1/session',
    {
      config: { access: 'viewer' },
      schema: {
        summary:
          'Who is asking (identity and role; session cookie or bearer token), and where the Temporal UI is',
        tags: ['dashboard'],
        response: { 200: Session, ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const { identity, via } = admittedOf(request);
      return {
        via,
        operator: { id: identity.id, name: identity.name, role: identity.role },
        temporalUiUrl: ctx.temporalUiUrl,
        namespace: ctx.namespace,
      };
    },
  );
};
