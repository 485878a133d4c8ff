import type { Principal } from './auth/principal.js';

/** What a handler tells the audit hook about a request beyond its route, status and sender. */
export interface AuditFacts {
  /** Identifiers the request concerns (submissionId, experimentId, tokenId, ...). */
  readonly refs: Record<string, string>;
  /** Small scalar facts (reported PGR, probe distance, ...); never labels or secrets. */
  readonly detail: Record<string, string | number | boolean | null>;
  /** Set when the handler appended the entry itself, inside its own transaction. */
  written: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the eval server's access guards. */
    evalPrincipal: Principal | null;
    /** Set by eval server handlers for the audit hook. */
    evalAudit: AuditFacts | null;
  }
}

/** The request's audit facts, created on first use. */
export function auditFactsOf(request: import('fastify').FastifyRequest): AuditFacts {
  request.evalAudit ??= { refs: {}, detail: {}, written: false };
  return request.evalAudit;
}
