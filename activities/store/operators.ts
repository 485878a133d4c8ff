import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CONFIGURED_OPERATOR_NAME, OperatorIdentity, type OperatorRole } from '../../core/operator-roles.js';
import { parseWith } from '../../core/validation.js';
import { type Pool, type Queryable, withTransaction } from '../../runtime/db.js';

/** SHA-256 of a secret (an operator token or a session id): what the record keeps. */
export const secretHash = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/** A fresh operator token: 32 random bytes, so its SHA-256 is as good as a slow hash. */
export const newOperatorToken = (): string => `aarop_${randomBytes(32).toString('base64url')}`;

interface OperatorDbRow {
  id: string;
  name: string;
  role: string;
  token_hash: Buffer | null;
  configured: boolean;
  created_by: string | null;
  created_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

const toIdentity = (r: OperatorDbRow): OperatorIdentity =>
  parseWith(
    OperatorIdentity,
    {
      id: r.id,
      name: r.name,
      role: r.role,
      configured: r.configured,
      createdBy: r.created_by,
      createdAt: r.created_at.toISOString(),
      rotatedAt: r.rotated_at?.toISOString() ?? null,
      revokedAt: r.revoked_at?.toISOString() ?? null,
    },
    'operators row',
  );

/** The active identity whose token is `token`, or null (unknown or revoked). */
export async function findOperatorByToken(pool: Queryable, token: string): Promise<OperatorIdentity | null> {
  const hash = secretHash(token);
  const { rows } = await pool.query<OperatorDbRow>(
    'SELECT * FROM operators WHERE token_hash = $1 AND revoked_at IS NULL',
    [hash],
  );
  const row = rows[0];
  // The index found it by hash; the constant-time check keeps the comparison itself honest.
  if (row?.token_hash == null || !timingSafeEqual(row.token_hash, hash)) return null;
  return toIdentity(row);
}

/**
 * The identity of the configured `AAR_OPERATOR_TOKEN` (an admin named `operator-token`), created
 * on first use. It stores no token hash: the api server checks that token against its
 * configuration, so changing the configuration is how it is rotated.
 */
export async function ensureConfiguredOperator(pool: Queryable): Promise<OperatorIdentity> {
  const { rows } = await pool.query<OperatorDbRow>(
    `INSERT INTO operators (id, name, role, configured)
     VALUES ($1, $2, 'admin', true)
     ON CONFLICT (name) DO UPDATE SET role = 'admin', configured = true, revoked_at = NULL
     RETURNING *`,
    [`op-${CONFIGURED_OPERATOR_NAME}`, CONFIGURED_OPERATOR_NAME],
  );
  return toIdentity(rows[0]!);
}

/** Operator identities, revoked ones included, oldest first. */
export async function listOperators(pool: Queryable): Promise<OperatorIdentity[]> {
  const { rows } = await pool.query<OperatorDbRow>('SELECT * FROM operators ORDER BY created_at, id');
  return rows.map(toIdentity);
}

export async function findOperator(pool: Queryable, id: string): Promise<OperatorIdentity | null> {
  const { rows } = await pool.query<OperatorDbRow>('SELECT * FROM operators WHERE id = $1', [id]);
  return rows[0] ? toIdentity(rows[0]) : null;
}

/** Mints an identity; null when the name is taken (names are never reused, revoked ones included). */
export async function mintOperator(
  pool: Queryable,
  input: { name: string; role: OperatorRole; createdBy: string },
): Promise<{ identity: OperatorIdentity; token: string } | null> {
  const token = newOperatorToken();
  const { rows } = await pool.query<OperatorDbRow>(
    `INSERT INTO operators (id, name, role, token_hash, created_by)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (name) DO NOTHING
     RETURNING *`,
    [`op-${randomBytes(6).toString('hex')}`, input.name, input.role, secretHash(token), input.createdBy],
  );
  return rows[0] ? { identity: toIdentity(rows[0]), token } : null;
}

export type ChangeAnswer =
  | { readonly outcome: 'done'; readonly identity: OperatorIdentity; readonly token?: string }
  | { readonly outcome: 'not_found' }
  | { readonly outcome: 'configured' }
  | { readonly outcome: 'revoked' };

/** Gives an active identity a new token; the old one and every session of it end now. */
export async function rotateOperator(pool: Pool, id: string): Promise<ChangeAnswer> {
  return withTransaction(pool, async (client) => {
    const current = await findOperator(client, id);
    if (current === null) return { outcome: 'not_found' };
    if (current.configured) return { outcome: 'configured' };
    if (current.revokedAt !== null) return { outcome: 'revoked' };
    const token = newOperatorToken();
    const { rows } = await client.query<OperatorDbRow>(
      'UPDATE operators SET token_hash = $2, rotated_at = now() WHERE id = $1 RETURNING *',
      [id, secretHash(token)],
    );
    await endSessionsOf(client, id);
    return { outcome: 'done', identity: toIdentity(rows[0]!), token };
  });
}

/** Revokes an identity and ends its sessions; revoking a revoked one changes nothing. */
export async function revokeOperator(pool: Pool, id: string): Promise<ChangeAnswer> {
  return withTransaction(pool, async (client) => {
    const current = await findOperator(client, id);
    if (current === null) return { outcome: 'not_found' };
    if (current.configured) return { outcome: 'configured' };
    const { rows } = await client.query<OperatorDbRow>(
      'UPDATE operators SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING *',
      [id],
    );
    await endSessionsOf(client, id);
    return { outcome: 'done', identity: toIdentity(rows[0]!) };
  });
}

async function endSessionsOf(client: Queryable, operatorId: string): Promise<void> {
  await client.query(
    'UPDATE operator_sessions SET revoked_at = now() WHERE operator_id = $1 AND revoked_at IS NULL',
    [operatorId],
  );
}
