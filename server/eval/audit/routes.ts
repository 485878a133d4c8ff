import { Type } from 'typebox';
import { AuditEntries, AuditVerification } from '../../../core/api/eval/audit.js';
import { errorResponses } from '../../http/errors.js';
import type { EvalPlugin } from '../context.js';
import { BEARER } from '../shared/openapi.js';
import { readAudit, verifyAudit } from './audit-repository.js';

/** Admin routes over the audit log: recompute the chain, and read entries. */
export const auditRoutes: EvalPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/admin/audit/verify',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Recompute the hash chain of the audit log and report the first broken link',
        description:
          'Record headHash somewhere else: a chain rewritten from the start is detected only against it.',
        tags: ['admin'],
        security: BEARER,
        response: { 200: AuditVerification, ...errorResponses(401, 403) },
      },
    },
    async () => verifyAudit(ctx.pool),
  );

  app.get(
    '/v1/admin/audit',
    {
      config: { access: 'admin' },
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
        response: { 200: AuditEntries, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      entries: await readAudit(ctx.pool, request.query.after ?? 0, request.query.limit ?? 100),
    }),
  );
};
