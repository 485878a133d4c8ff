import type { FastifyRequest } from 'fastify';
import type { SubmissionReceipt } from '../../../core/api/eval/submissions.js';
import { AppError } from '../../http/errors.js';
import type { AgentPrincipal } from '../auth/principal.js';
import { auditFactsOf } from '../request-state.js';
import type { Queryable } from '../shared/db.js';
import { findByIdempotencyKey, type StoredAnswer } from './submission-repository.js';

/**
 * The stored answer to the agent's idempotency key, or null when the key is new. A key reused
 * for other predictions (another payload hash) is refused with 409.
 */
export async function storedAnswer(
  db: Queryable,
  agent: AgentPrincipal,
  idempotencyKey: string,
  payloadSha256: string,
): Promise<StoredAnswer | null> {
  const stored = await findByIdempotencyKey(db, agent.campaignId, agent.agentId, idempotencyKey);
  if (stored === null) return null;
  if (stored.payloadSha256 !== payloadSha256) {
    throw new AppError(
      'idempotency_conflict',
      `idempotency key ${idempotencyKey} was already used for different predictions (submission ${stored.submissionId}): use a new key for a new submission`,
    );
  }
  return stored;
}

/** Answers with a stored receipt (200), noting the replay for the audit entry. */
export function replay(
  request: FastifyRequest,
  stored: StoredAnswer,
): { status: 200; receipt: SubmissionReceipt } {
  const facts = auditFactsOf(request);
  facts.refs.submissionId = stored.submissionId;
  facts.detail.replayed = true;
  return { status: 200, receipt: stored.receipt };
}
