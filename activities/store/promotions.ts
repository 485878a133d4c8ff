import { type Pool, type Queryable, withTransaction } from '../../runtime/db.js';
import type { PromotionNumbers, PromotionState } from '../../workflows/definitions.js';

export interface PromotionRow {
  readonly id: string;
  readonly campaignId: string;
  readonly experimentId: string;
  readonly trigger: 'auto' | 'operator';
  readonly requestedBy: string;
  readonly state: PromotionState;
  readonly candidateNumber: number;
  readonly freshSeeds: number[];
  readonly numbers: PromotionNumbers | null;
  readonly reason: string | null;
  readonly signedOffBy: string | null;
  readonly signOffReason: string | null;
  readonly signedOffAt: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

interface Row {
  id: string;
  campaign_id: string;
  experiment_id: string;
  trigger: 'auto' | 'operator';
  requested_by: string;
  status: PromotionState;
  candidate_number: number;
  fresh_seeds: number[];
  numbers: PromotionNumbers | null;
  reason: string | null;
  signed_off_by: string | null;
  sign_off_reason: string | null;
  signed_off_at: Date | null;
  created_at: Date;
  finished_at: Date | null;
}

const toPromotion = (r: Row): PromotionRow => ({
  id: r.id,
  campaignId: r.campaign_id,
  experimentId: r.experiment_id,
  trigger: r.trigger,
  requestedBy: r.requested_by,
  state: r.status,
  candidateNumber: r.candidate_number,
  freshSeeds: r.fresh_seeds,
  numbers: r.numbers,
  reason: r.reason,
  signedOffBy: r.signed_off_by,
  signOffReason: r.sign_off_reason,
  signedOffAt: r.signed_off_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
});

/** First fresh seed of the n-th candidate: far above the seeds agents use (0, 1, ...), and distinct per candidate. */
export const freshSeedsFor = (candidateNumber: number, count: number): number[] =>
  Array.from({ length: count }, (_, i) => 1000 + 100 * candidateNumber + i);

/**
 * Records a promotion once, numbering it among the campaign's candidates (the count the
 * significance threshold is corrected for). A retry returns the first row.
 */
export async function insertPromotion(
  pool: Pool,
  p: {
    id: string;
    campaignId: string;
    experimentId: string;
    trigger: 'auto' | 'operator';
    requestedBy: string;
    seeds: number;
  },
): Promise<PromotionRow> {
  return await withTransaction(pool, async (client) => {
    const existing = await findPromotion(client, p.id);
    if (existing) return existing;
    // Serialises numbering per campaign.
    await client.query('SELECT id FROM campaigns WHERE id = $1 FOR UPDATE', [p.campaignId]);
    const count = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM promotions WHERE campaign_id = $1',
      [p.campaignId],
    );
    const candidateNumber = (count.rows[0]?.n ?? 0) + 1;
    const { rows } = await client.query<Row>(
      `INSERT INTO promotions (id, campaign_id, experiment_id, trigger, requested_by, candidate_number, fresh_seeds)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        p.id,
        p.campaignId,
        p.experimentId,
        p.trigger,
        p.requestedBy,
        candidateNumber,
        freshSeedsFor(candidateNumber, p.seeds),
      ],
    );
    return toPromotion(rows[0]!);
  });
}

export async function findPromotion(pool: Queryable, id: string): Promise<PromotionRow | null> {
  const { rows } = await pool.query<Row>('SELECT * FROM promotions WHERE id = $1', [id]);
  return rows[0] ? toPromotion(rows[0]) : null;
}

export async function listPromotions(pool: Queryable, campaignId: string): Promise<PromotionRow[]> {
  const { rows } = await pool.query<Row>(
    'SELECT * FROM promotions WHERE campaign_id = $1 ORDER BY created_at',
    [campaignId],
  );
  return rows.map(toPromotion);
}

/** Records the gate's verdict and its numbers. */
export async function recordVerdict(
  pool: Queryable,
  id: string,
  verdict: { state: PromotionState; reason: string; numbers: PromotionNumbers | null },
): Promise<void> {
  await pool.query(
    `UPDATE promotions SET status = $2, reason = $3, numbers = $4, finished_at = COALESCE(finished_at, now())
     WHERE id = $1 AND status = 'running'`,
    [id, verdict.state, verdict.reason, verdict.numbers === null ? null : JSON.stringify(verdict.numbers)],
  );
}

/** Records a human's sign-off of a verified promotion; only the first decision counts. */
export async function recordSignOff(
  pool: Queryable,
  id: string,
  signOff: { operator: string; reason: string; accept: boolean },
): Promise<void> {
  await pool.query(
    `UPDATE promotions SET status = $2, signed_off_by = $3, sign_off_reason = $4, signed_off_at = now()
     WHERE id = $1 AND status = 'verified'`,
    [id, signOff.accept ? 'accepted' : 'rejected', signOff.operator, signOff.reason],
  );
}
