import type { AuditVerification } from '../../../core/api/eval/audit.js';
import type { Pool } from '../../../runtime/db.js';
import type { Queryable } from '../shared/db.js';
import { brokenLinkReason, GENESIS_HASH, linkHash, type StoredLink } from './audit-chain.js';

/** What an audit entry records; `seq` and `at` are added when it is appended. */
export interface AuditRecord {
  readonly method: string;
  readonly route: string;
  readonly status: number;
  /** `ok` for a 2xx answer, otherwise the error code answered. */
  readonly outcome: string;
  readonly actor: Record<string, string | boolean>;
  readonly refs: Record<string, string>;
  readonly detail: Record<string, string | number | boolean | null>;
}

/**
 * Appends one entry to the chain. Must run inside a transaction: the head row's lock serialises
 * appenders, so every entry links to exactly the one before it.
 */
export async function appendAudit(
  client: Queryable,
  record: AuditRecord,
  at: Date = new Date(),
): Promise<number> {
  const head = await client.query<{ seq: string; hash: string }>(
    'SELECT seq, hash FROM audit_head WHERE id FOR UPDATE',
  );
  const previous = head.rows[0];
  if (previous === undefined) throw new Error('audit_head row is missing');
  const seq = Number(previous.seq) + 1;
  const entry = { seq, at: at.toISOString(), ...record };
  const hash = linkHash(previous.hash, entry);
  await client.query('INSERT INTO audit_log (seq, prev_hash, hash, entry) VALUES ($1, $2, $3, $4)', [
    seq,
    previous.hash,
    hash,
    entry,
  ]);
  await client.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id', [seq, hash]);
  return seq;
}

const PAGE = 2000;

/**
 * Recomputes every link from the genesis, page by page, and compares the last one with the head
 * row (so deleting entries from the tail is found too). Reports the first broken link.
 */
export async function verifyAudit(pool: Pool): Promise<AuditVerification> {
  const head = await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id');
  const headSeq = Number(head.rows[0]?.seq ?? -1);
  const headHash = head.rows[0]?.hash ?? '';
  let previous = { seq: 0, hash: GENESIS_HASH };
  let entries = 0;
  for (;;) {
    const page = await pool.query<{ seq: string; prev_hash: string; hash: string; entry: unknown }>(
      'SELECT seq, prev_hash, hash, entry FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
      [previous.seq, PAGE],
    );
    for (const row of page.rows) {
      const link: StoredLink = {
        seq: Number(row.seq),
        prevHash: row.prev_hash,
        hash: row.hash,
        entry: row.entry,
      };
      const reason = brokenLinkReason(previous, link);
      if (reason !== null) {
        const firstBrokenSeq = Math.min(link.seq, previous.seq + 1);
        return { ok: false, entries, headSeq, headHash, firstBrokenSeq, reason };
      }
      previous = { seq: link.seq, hash: link.hash };
      entries++;
    }
    if (page.rows.length < PAGE) break;
  }
  if (previous.seq !== headSeq || previous.hash !== headHash) {
    const reason = `the chain ends at ${previous.seq} but the head records ${headSeq}: entries were removed or the head was altered`;
    return { ok: false, entries, headSeq, headHash, firstBrokenSeq: previous.seq + 1, reason };
  }
  return { ok: true, entries, headSeq, headHash, firstBrokenSeq: null, reason: null };
}

/** Stored entries after sequence number `after`, oldest first. */
export async function readAudit(pool: Queryable, after: number, limit: number): Promise<StoredLink[]> {
  const result = await pool.query<{ seq: string; prev_hash: string; hash: string; entry: unknown }>(
    'SELECT seq, prev_hash, hash, entry FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
    [after, limit],
  );
  return result.rows.map((row) => ({
    seq: Number(row.seq),
    prevHash: row.prev_hash,
    hash: row.hash,
    entry: row.entry,
  }));
}
