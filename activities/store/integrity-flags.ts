import { type Pool, type Queryable, withTransaction } from '../../runtime/db.js';
import { insertCampaignEvent } from './campaigns.js';

export interface IntegrityFlag {
  readonly id: number;
  readonly campaignId: string;
  readonly experimentId: string | null;
  readonly agentId: string | null;
  readonly kind: string;
  readonly severity: 'info' | 'warning' | 'critical';
  readonly message: string;
  readonly detail: Record<string, unknown>;
  readonly createdAt: string;
  /** When an operator cleared the flag; null while it is open. An open critical flag blocks promotion. */
  readonly clearedAt: string | null;
  readonly clearedBy: string | null;
  readonly clearReason: string | null;
}

/** What the integrity checks write; the clearing is an operator's, later. */
export type NewIntegrityFlag = Omit<
  IntegrityFlag,
  'id' | 'createdAt' | 'clearedAt' | 'clearedBy' | 'clearReason'
>;

interface Row {
  id: string;
  campaign_id: string;
  experiment_id: string | null;
  agent_id: string | null;
  kind: string;
  severity: IntegrityFlag['severity'];
  message: string;
  detail: Record<string, unknown>;
  created_at: Date;
  cleared_at: Date | null;
  cleared_by: string | null;
  clear_reason: string | null;
}

const toFlag = (r: Row): IntegrityFlag => ({
  id: Number(r.id),
  campaignId: r.campaign_id,
  experimentId: r.experiment_id,
  agentId: r.agent_id,
  kind: r.kind,
  severity: r.severity,
  message: r.message,
  detail: r.detail,
  createdAt: r.created_at.toISOString(),
  clearedAt: r.cleared_at?.toISOString() ?? null,
  clearedBy: r.cleared_by,
  clearReason: r.clear_reason,
});

/** Records a flag once per `dedupeKey`; returns it when it is new, null when it was already there. */
export async function insertFlag(
  pool: Queryable,
  flag: NewIntegrityFlag & { dedupeKey: string },
): Promise<IntegrityFlag | null> {
  const { rows } = await pool.query<Row>(
    `INSERT INTO integrity_flags (campaign_id, experiment_id, agent_id, kind, severity, message, detail, dedupe_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING RETURNING *`,
    [
      flag.campaignId,
      flag.experimentId,
      flag.agentId,
      flag.kind,
      flag.severity,
      flag.message,
      JSON.stringify(flag.detail),
      flag.dedupeKey,
    ],
  );
  return rows[0] ? toFlag(rows[0]) : null;
}

/** Flags of a campaign (optionally one experiment), newest first. */
export async function listFlags(
  pool: Queryable,
  campaignId: string,
  experimentId?: string,
): Promise<IntegrityFlag[]> {
  const { rows } = await pool.query<Row>(
    `SELECT * FROM integrity_flags WHERE campaign_id = $1 AND ($2::text IS NULL OR experiment_id = $2) ORDER BY id DESC`,
    [campaignId, experimentId ?? null],
  );
  return rows.map(toFlag);
}

/** A flag's id as the api and CLI pass it: the decimal form of its bigserial `id` (never reused). */
const FLAG_ID = /^[1-9][0-9]{0,17}$/;

/**
 * Clears a flag on an operator's word: records who, when and why on the flag, and the clearing as
 * a campaign event (operator_actions, action `clear_flag`), in one transaction. Idempotent: a flag
 * is cleared once, and a second clearing changes nothing and writes no event. `flagId` is the
 * decimal string of the flag's `id`; anything else is `not_found`.
 */
export async function clearFlag(
  pool: Pool,
  clearing: { flagId: string; clearedBy: string; reason: string },
): Promise<'cleared' | 'not_found' | 'already_cleared'> {
  const reason = clearing.reason.trim();
  const clearedBy = clearing.clearedBy.trim();
  if (reason.length === 0 || clearedBy.length === 0)
    throw new RangeError('clearing a flag needs the operator and a reason');
  if (!FLAG_ID.test(clearing.flagId)) return 'not_found';
  return await withTransaction(pool, async (client) => {
    const { rows } = await client.query<Row>('SELECT * FROM integrity_flags WHERE id = $1 FOR UPDATE', [
      clearing.flagId,
    ]);
    const flag = rows[0];
    if (flag === undefined) return 'not_found';
    if (flag.cleared_at !== null) return 'already_cleared';
    await client.query(
      'UPDATE integrity_flags SET cleared_at = now(), cleared_by = $2, clear_reason = $3 WHERE id = $1',
      [clearing.flagId, clearedBy, reason],
    );
    await insertCampaignEvent(client, {
      campaignId: flag.campaign_id,
      agentId: flag.agent_id,
      actor: clearedBy,
      action: 'clear_flag',
      detail: {
        flagId: clearing.flagId,
        experimentId: flag.experiment_id,
        kind: flag.kind,
        severity: flag.severity,
        reason,
      },
    });
    return 'cleared';
  });
}

/**
 * The critical flags of an experiment that no operator has cleared: while there is one, the
 * experiment is not promoted automatically and its promotion is not signed off. Counts the flags
 * on the experiment and the eval server's violations about it (recorded per agent, with the
 * experiment in `detail.experimentId`). Oldest first.
 */
export async function openCriticalFlags(
  pool: Queryable,
  experimentId: string,
): Promise<{ id: string; kind: string; message: string }[]> {
  const { rows } = await pool.query<{ id: string; kind: string; message: string }>(
    `SELECT id::text AS id, kind, message FROM integrity_flags
     WHERE severity = 'critical' AND cleared_at IS NULL
       AND (experiment_id = $1 OR (experiment_id IS NULL AND detail->>'experimentId' = $1))
     ORDER BY id`,
    [experimentId],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, message: r.message }));
}
