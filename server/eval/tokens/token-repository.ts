import { TokenRecord } from '../../../core/api/eval/tokens.js';
import { checkRow, iso, isoOrNull, type Queryable } from '../shared/db.js';

const COLUMNS = 'id, role, campaign_id, agent_id, task_id, expires_at, revoked_at, replaced_by, created_at';

function toRecord(row: Record<string, unknown>): TokenRecord {
  return checkRow(
    TokenRecord,
    {
      tokenId: row.id,
      role: row.role,
      campaignId: row.campaign_id,
      agentId: row.agent_id,
      taskId: row.task_id,
      expiresAt: isoOrNull(row.expires_at),
      revokedAt: isoOrNull(row.revoked_at),
      replacedBy: row.replaced_by,
      createdAt: iso(row.created_at),
    },
    'token row',
  );
}

/** A token to store: its binding and the sha256 of its secret. */
export interface NewToken {
  readonly tokenId: string;
  readonly tokenSha256: string;
  readonly role: 'agent' | 'run';
  readonly campaignId: string | null;
  readonly agentId: string | null;
  readonly taskId: string | null;
  readonly expiresAt: string | null;
}

/** Stores a new token (hash only). */
export async function insertToken(db: Queryable, token: NewToken): Promise<TokenRecord> {
  const result = await db.query(
    `INSERT INTO tokens (id, token_sha256, role, campaign_id, agent_id, task_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [
      token.tokenId,
      token.tokenSha256,
      token.role,
      token.campaignId,
      token.agentId,
      token.taskId,
      token.expiresAt,
    ],
  );
  return toRecord(result.rows[0]);
}

/** The token whose hash is `tokenSha256`, revoked or not; null when none. */
export async function findTokenByHash(db: Queryable, tokenSha256: string): Promise<TokenRecord | null> {
  const result = await db.query(`SELECT ${COLUMNS} FROM tokens WHERE token_sha256 = $1`, [tokenSha256]);
  return result.rows[0] === undefined ? null : toRecord(result.rows[0]);
}

/** A token by id, or null. */
export async function findToken(db: Queryable, tokenId: string): Promise<TokenRecord | null> {
  const result = await db.query(`SELECT ${COLUMNS} FROM tokens WHERE id = $1`, [tokenId]);
  return result.rows[0] === undefined ? null : toRecord(result.rows[0]);
}

/** Revokes a token (idempotent: a revoked token keeps its first revocation time). */
export async function revokeToken(
  db: Queryable,
  tokenId: string,
  replacedBy: string | null = null,
): Promise<TokenRecord | null> {
  const result = await db.query(
    `UPDATE tokens SET revoked_at = COALESCE(revoked_at, now()), replaced_by = COALESCE(replaced_by, $2)
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [tokenId, replacedBy],
  );
  return result.rows[0] === undefined ? null : toRecord(result.rows[0]);
}

/** Tokens of a campaign (and agent), newest first; at most 500. */
export async function listTokens(
  db: Queryable,
  filter: { campaignId?: string | undefined; agentId?: string | undefined },
): Promise<TokenRecord[]> {
  const result = await db.query(
    `SELECT ${COLUMNS} FROM tokens
     WHERE ($1::text IS NULL OR campaign_id = $1) AND ($2::text IS NULL OR agent_id = $2)
     ORDER BY created_at DESC LIMIT 500`,
    [filter.campaignId ?? null, filter.agentId ?? null],
  );
  return result.rows.map(toRecord);
}
