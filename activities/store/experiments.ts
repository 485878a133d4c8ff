import type { ExperimentSpec } from '../../core/experiment-spec.js';
import type { Queryable } from '../../runtime/db.js';

export interface ExperimentRow {
  readonly id: string;
  readonly campaignId: string;
  readonly agentId: string;
  readonly seq: number;
  readonly hypothesis: string;
  readonly spec: ExperimentSpec | Record<string, unknown>;
  readonly seeds: number[];
  readonly noEval: boolean;
  readonly status: string;
  readonly failureReason: string | null;
  readonly analysis: string | null;
  readonly reportedPgr: number | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

const SELECT = `
  SELECT e.id, e.campaign_id, e.agent_id, e.seq, e.hypothesis, e.spec, e.seeds, e.no_eval, e.status,
         e.failure_reason, e.analysis, e.created_at, e.finished_at,
         (r.public_score->'reported'->>'reportedPgr')::float8 AS reported_pgr
  FROM experiments e LEFT JOIN eval_receipts r ON r.experiment_id = e.id`;

interface Row {
  id: string;
  campaign_id: string;
  agent_id: string;
  seq: number;
  hypothesis: string;
  spec: ExperimentSpec;
  seeds: number[];
  no_eval: boolean;
  status: string;
  failure_reason: string | null;
  analysis: string | null;
  created_at: Date;
  finished_at: Date | null;
  reported_pgr: number | null;
}

const toExperiment = (r: Row): ExperimentRow => ({
  id: r.id,
  campaignId: r.campaign_id,
  agentId: r.agent_id,
  seq: r.seq,
  hypothesis: r.hypothesis,
  spec: r.spec,
  seeds: r.seeds,
  noEval: r.no_eval,
  status: r.status,
  failureReason: r.failure_reason,
  analysis: r.analysis,
  reportedPgr: r.reported_pgr,
  createdAt: r.created_at.toISOString(),
  finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
});

export interface NewExperiment {
  readonly id: string;
  readonly campaignId: string;
  readonly agentId: string;
  readonly seq: number;
  readonly hypothesis: string;
  readonly spec: unknown;
  readonly seeds: readonly number[];
  readonly noEval: boolean;
  readonly status?: 'proposed' | 'invalid';
  readonly failureReason?: string;
  /** Promotion arms are experiments of kind 'promotion', tied to their promotion. */
  readonly kind?: 'research' | 'promotion';
  readonly promotionId?: string;
}

/** Inserts a proposal unless its id exists; returns the stored row either way (a retry adopts it). */
export async function insertExperiment(pool: Queryable, e: NewExperiment): Promise<ExperimentRow> {
  await pool.query(
    `INSERT INTO experiments (id, campaign_id, agent_id, seq, hypothesis, spec, seeds, no_eval, status, failure_reason, finished_at, kind, promotion_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $9 = 'invalid' THEN now() END, $11, $12)
     ON CONFLICT (id) DO NOTHING`,
    [
      e.id,
      e.campaignId,
      e.agentId,
      e.seq,
      e.hypothesis.slice(0, 4000),
      JSON.stringify(e.spec),
      e.seeds,
      e.noEval,
      e.status ?? 'proposed',
      e.failureReason ?? null,
      e.kind ?? 'research',
      e.promotionId ?? null,
    ],
  );
  const found = await findExperiment(pool, e.id);
  if (found === null) throw new Error(`experiment ${e.id} vanished after insert`);
  return found;
}

export async function findExperiment(pool: Queryable, id: string): Promise<ExperimentRow | null> {
  const { rows } = await pool.query<Row>(`${SELECT} WHERE e.id = $1`, [id]);
  return rows[0] ? toExperiment(rows[0]) : null;
}

/** Research experiments of a campaign (optionally one agent), oldest first; promotion arms are not listed. */
export async function listExperiments(
  pool: Queryable,
  campaignId: string,
  options: { agentId?: string; limit?: number; status?: string } = {},
): Promise<ExperimentRow[]> {
  const { rows } = await pool.query<Row>(
    `${SELECT} WHERE e.campaign_id = $1 AND ($2::text IS NULL OR e.agent_id = $2)
       AND ($3::text IS NULL OR e.status = $3) AND e.kind = 'research'
     ORDER BY e.created_at, e.id LIMIT $4`,
    [campaignId, options.agentId ?? null, options.status ?? null, options.limit ?? 10_000],
  );
  return rows.map(toExperiment);
}

export async function markExperimentRunning(pool: Queryable, id: string): Promise<void> {
  await pool.query(
    `UPDATE experiments SET status = 'running', started_at = COALESCE(started_at, now())
     WHERE id = $1 AND status IN ('proposed', 'running')`,
    [id],
  );
}

/** Records how an experiment ended; a repeat of the same call changes nothing. */
export async function markExperimentFinished(
  pool: Queryable,
  id: string,
  status: string,
  reason: string | null,
): Promise<void> {
  await pool.query(
    `UPDATE experiments SET status = $2, failure_reason = $3, finished_at = COALESCE(finished_at, now()) WHERE id = $1`,
    [id, status, reason],
  );
}

export async function setExperimentAnalysis(pool: Queryable, id: string, analysis: string): Promise<void> {
  await pool.query('UPDATE experiments SET analysis = $2 WHERE id = $1', [id, analysis.slice(0, 20_000)]);
}

/**
 * Per agent, the experiments that are proposed or running but have no run started yet: waiting
 * for an executor slot or a GPU. Agents with none are absent from the map.
 */
export async function queuedExperimentsByAgent(
  pool: Queryable,
  campaignId: string,
): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ agent_id: string; queued: string }>(
    `SELECT e.agent_id, count(*) AS queued FROM experiments e
     WHERE e.campaign_id = $1 AND e.kind = 'research' AND e.status IN ('proposed', 'running')
       AND NOT EXISTS (SELECT 1 FROM experiment_runs r WHERE r.experiment_id = e.id AND r.started_at IS NOT NULL)
     GROUP BY e.agent_id`,
    [campaignId],
  );
  return new Map(rows.map((r) => [r.agent_id, Number(r.queued)]));
}
