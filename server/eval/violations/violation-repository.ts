import { Violation, type ViolationKind } from '../../../core/api/eval/violations.js';
import { checkRow, iso, type Queryable } from '../shared/db.js';

/** A violation to record. */
export type NewViolation = Omit<Violation, 'id' | 'createdAt'>;

/** Appends a violation (on the pool, or inside the caller's transaction). */
export async function recordViolation(db: Queryable, violation: NewViolation): Promise<void> {
  await db.query(
    `INSERT INTO violations (kind, campaign_id, agent_id, experiment_id, submission_id, via_admin, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      violation.kind,
      violation.campaignId,
      violation.agentId,
      violation.experimentId,
      violation.submissionId,
      violation.viaAdmin,
      violation.detail,
    ],
  );
}

/** Violations of a campaign (optionally one agent, one kind), newest first; at most 1,000. */
export async function listViolations(
  db: Queryable,
  filter: { campaignId: string; agentId?: string | undefined; kind?: ViolationKind | undefined },
): Promise<Violation[]> {
  const result = await db.query(
    `SELECT id, kind, campaign_id, agent_id, experiment_id, submission_id, via_admin, detail, created_at
     FROM violations WHERE campaign_id = $1 AND ($2::text IS NULL OR agent_id = $2)
       AND ($3::text IS NULL OR kind = $3)
     ORDER BY id DESC LIMIT 1000`,
    [filter.campaignId, filter.agentId ?? null, filter.kind ?? null],
  );
  return result.rows.map((row) =>
    checkRow(
      Violation,
      {
        id: Number(row.id),
        kind: row.kind,
        campaignId: row.campaign_id,
        agentId: row.agent_id,
        experimentId: row.experiment_id,
        submissionId: row.submission_id,
        viaAdmin: row.via_admin,
        detail: row.detail,
        createdAt: iso(row.created_at),
      },
      'violation row',
    ),
  );
}
