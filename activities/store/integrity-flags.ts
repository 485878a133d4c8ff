import type { Queryable } from '../../runtime/db.js';

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
}

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
});

/** Records a flag once per `dedupeKey`; returns it when it is new, null when it was already there. */
export async function insertFlag(
  pool: Queryable,
  flag: Omit<IntegrityFlag, 'id' | 'createdAt'> & { dedupeKey: string },
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
