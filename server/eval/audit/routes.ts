import { Type } from 'typebox';
import { errorResponses } from '../../http/errors.js';
import type { EvalPlugin } from '../context.js';
import { BEARER, Sha256Hex } from '../shared/schemas.js';
import { readAudit, verifyAudit } from './audit-repository.js';

const Verification = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  headSeq: Type.Integer(),
  headHash: Type.String(),
  firstBrokenSeq: Type.Union([Type.Integer(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
});

const Link = Type.Object({
  seq: Type.Integer(),
  prevHash: Sha256Hex,
  hash: Sha256Hex,
  entry: Type.Unknown(),
});

/** Admin routes over the audit log: recompute the chain, and read entries. */
export const auditRoutes: EvalPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/admin/audit/verify',
    {
      onRequest: ctx.guards.admin,
      schema: {
        summary: 'Recompute the hash chain of the audit log and report the first broken link',
        description:
          'Record headHash somewhere else: a chain rewritten from the start is detected only against it.',
        tags: ['admin'],
        security: BEARER,
        response: { 200: Verification, ...errorResponses(401, 403) },
      },
    },
    async () => verifyAudit(ctx.pool),
  );

  app.get(
    '/v1/admin/audit',
    {
      onRequest: ctx.guards.admin,
      schema: {
        summary: 'Read audit entries after a sequence number, oldest first',
        tags: ['admin'],
        security: BEARER,
        querystring: Type.Object(
          {
            after: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ entries: Type.Array(Link) }), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      entries: await readAudit(ctx.pool, request.query.after ?? 0, request.query.limit ?? 100),
    }),
  );
};
