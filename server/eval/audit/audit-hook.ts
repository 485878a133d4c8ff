import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Pool, withTransaction } from '../../../runtime/db.js';
import type { Logger } from '../../../runtime/logger.js';
import { authFailureOf } from '../../http/auth-failure-limit.js';
import { actorOf } from '../auth/principal.js';
import type { EvalMetrics } from '../metrics.js';
import { auditFactsOf } from '../request-state.js';
import { type AuditRecord, appendAudit } from './audit-repository.js';

const REF_PARAMS = ['taskId', 'experimentId', 'submissionId', 'tokenId'] as const;
const REF_QUERY = ['campaignId', 'agentId', 'taskId', 'experimentId', 'kind'] as const;
const REF_BODY = ['experimentId', 'idempotencyKey', 'campaignId', 'agentId', 'taskId', 'role'] as const;
const MAX_REF_LENGTH = 200;

/** Copies the short string fields `names` of `source` into `into` (ids only: nothing large or secret). */
function copyRefs(into: Record<string, string>, source: unknown, names: readonly string[]): void {
  if (source === null || typeof source !== 'object') return;
  for (const name of names) {
    const value = (source as Record<string, unknown>)[name];
    if (typeof value === 'string' && value.length <= MAX_REF_LENGTH && !(name in into)) into[name] = value;
  }
}

/** The error code of an error response body, or null. */
function errorCodeOf(payload: unknown): string | null {
  if (typeof payload !== 'string' || payload.length > 65_536) return null;
  try {
    const code = (JSON.parse(payload) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

/**
 * The audit record of a request: route, sender, status, outcome and the identifiers it concerns.
 * Bodies are never copied, only a few named identifier fields of them.
 */
export function auditRecordOf(request: FastifyRequest, status: number, outcome: string): AuditRecord {
  const facts = auditFactsOf(request);
  const refs: Record<string, string> = { ...facts.refs };
  copyRefs(refs, request.params, REF_PARAMS);
  copyRefs(refs, request.query, REF_QUERY);
  copyRefs(refs, request.body, REF_BODY);
  return {
    method: request.method,
    route: request.routeOptions.url ?? request.url.split('?')[0] ?? '',
    status,
    outcome,
    actor: actorOf(request.evalPrincipal),
    refs,
    detail: { ...facts.detail },
  };
}

/** What the audit hook needs. */
export interface AuditHookDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly metrics: EvalMetrics;
  /** Called with every answered request's status and error code (metrics by route). */
  readonly onAnswered?: (request: FastifyRequest, status: number, code: string | null) => void;
}

/**
 * An `onSend` hook that appends every answered request, accepted or refused, to the audit chain
 * before the answer leaves, unless the handler already appended it inside its own transaction.
 * Requests refused for authentication or access (401/403) are the exception: one entry per
 * source and rate window (`server/http/auth-failure-limit.ts`), so a flood of bad tokens cannot
 * queue every good request behind the chain's lock.
 * A failure to append is logged and counted; the answer still goes out.
 */
export function createAuditHook(deps: AuditHookDeps) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> => {
    const status = reply.statusCode;
    const code = status >= 400 ? (errorCodeOf(payload) ?? `http_${status}`) : null;
    deps.onAnswered?.(request, status, code);
    if (auditFactsOf(request).written) return payload;
    const refused = authFailureOf(request);
    // Refused requests (bad or missing tokens) append under the chain's one lock too: only the
    // first of each source's window is audited; the rest are counted in metrics.
    if (refused !== null && !refused.firstInWindow) return payload;
    const record = auditRecordOf(request, status, code ?? 'ok');
    try {
      await withTransaction(deps.pool, (client) =>
        appendAudit(
          client,
          refused === null
            ? record
            : {
                ...record,
                refs: { ...record.refs, source: refused.source },
                detail: {
                  ...record.detail,
                  refusalWindowSeconds: refused.limit.windowMs / 1000,
                  refusalLimit: refused.limit.max,
                  note: 'first refusal of this source in the window; later ones are counted, not audited',
                },
              },
        ),
      );
    } catch (error) {
      deps.metrics.auditFailures.inc();
      deps.logger.error({ err: error, route: request.routeOptions.url }, 'audit append failed');
    }
    return payload;
  };
}
