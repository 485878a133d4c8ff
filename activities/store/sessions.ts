import { randomBytes } from 'node:crypto';
import type { OperatorIdentity } from '../../core/operator-roles.js';
import type { Queryable } from '../../runtime/db.js';
import { findOperator, secretHash } from './operators.js';

/**
 * Starts a dashboard session for `operatorId`: returns the random session id for the cookie; the
 * record keeps only its SHA-256.
 */
export async function openSession(
  pool: Queryable,
  operatorId: string,
  ttlSeconds: number,
): Promise<{ sessionId: string; expiresAt: string }> {
  const sessionId = randomBytes(32).toString('base64url');
  const { rows } = await pool.query<{ expires_at: Date }>(
    `INSERT INTO operator_sessions (id_hash, operator_id, expires_at)
     VALUES ($1, $2, now() + make_interval(secs => $3))
     RETURNING expires_at`,
    [secretHash(sessionId), operatorId, ttlSeconds],
  );
  return { sessionId, expiresAt: rows[0]!.expires_at.toISOString() };
}

/** The identity of a live session (not expired, not ended, identity not revoked), or null. */
export async function sessionOperator(pool: Queryable, sessionId: string): Promise<OperatorIdentity | null> {
  const { rows } = await pool.query<{ operator_id: string }>(
    `SELECT s.operator_id FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
     WHERE s.id_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND o.revoked_at IS NULL`,
    [secretHash(sessionId)],
  );
  return rows[0] ? findOperator(pool, rows[0].operator_id) : null;
}

/** Ends a session (logout); ending an unknown or ended one changes nothing. */
export async function endSession(pool: Queryable, sessionId: string): Promise<void> {
  await pool.query(
    'UPDATE operator_sessions SET revoked_at = COALESCE(revoked_at, now()) WHERE id_hash = $1',
    [secretHash(sessionId)],
  );
}
