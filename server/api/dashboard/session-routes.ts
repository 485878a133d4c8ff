import { Type } from 'typebox';
import { AppError, errorResponses } from '../../http/errors.js';
import type { ApiPlugin } from '../context.js';
import { operatorVia, sessionCookie } from './session.js';

const Session = Type.Object({
  via: Type.Union([Type.Literal('bearer'), Type.Literal('cookie')]),
  temporalUiUrl: Type.String(),
  namespace: Type.String(),
});

/**
 * The dashboard's login: the operator token is presented once and exchanged for an HttpOnly,
 * SameSite=Strict session cookie, so no script in the page (agent-written text included) can
 * read a credential, and EventSource streams are authenticated without tokens in URLs.
 */
export const sessionRoutes: ApiPlugin = async (app, { ctx }) => {
  app.post(
    '/v1/session',
    {
      bodyLimit: 4096,
      schema: {
        summary: 'Log in to the dashboard with the operator token; sets the session cookie',
        tags: ['dashboard'],
        security: [],
        body: Type.Object(
          { token: Type.String({ minLength: 1, maxLength: 500 }) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ expiresAt: Type.String() }), ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      if (!ctx.dashboard.isOperatorToken(request.body.token))
        throw new AppError('unauthorized', 'that is not the operator token');
      const session = ctx.dashboard.session.issue();
      reply.header('set-cookie', sessionCookie(session.value, request.protocol === 'https'));
      return { expiresAt: session.expiresAt };
    },
  );

  app.delete(
    '/v1/session',
    {
      schema: {
        summary: 'Log out of the dashboard (clears the session cookie)',
        tags: ['dashboard'],
        security: [],
        response: { 200: Type.Object({ loggedOut: Type.Literal(true) }) },
      },
    },
    async (request, reply) => {
      reply.header('set-cookie', sessionCookie(null, request.protocol === 'https'));
      return { loggedOut: true as const };
    },
  );

  app.get(
    '/v1/session',
    {
      onRequest: ctx.guards.operator,
      schema: {
        summary: 'Who is asking (session cookie or bearer token), and where the Temporal UI is',
        tags: ['dashboard'],
        response: { 200: Session, ...errorResponses(401) },
      },
    },
    async (request) => ({
      via: operatorVia(request),
      temporalUiUrl: ctx.temporalUiUrl,
      namespace: ctx.namespace,
    }),
  );
};
