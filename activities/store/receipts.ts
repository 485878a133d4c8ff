import { type AgentLeaderboardRow, leaderboardView } from '../../core/agent-view.js';
import type { Queryable } from '../../runtime/db.js';

/** Stores the eval server's answer for an experiment once; the first receipt stands. */
export async function insertReceipt(
  pool: Queryable,
  receipt: { experimentId: string; submissionId: string; publicScore: unknown },
): Promise<void> {
  await pool.query(
    `INSERT INTO eval_receipts (experiment_id, submission_id, public_score) VALUES ($1, $2, $3)
     ON CONFLICT (experiment_id) DO NOTHING`,
    [receipt.experimentId, receipt.submissionId, JSON.stringify(receipt.publicScore)],
  );
}

export interface LeaderboardRow {
  readonly agentId: string;
  readonly experimentId: string;
  readonly reportedPgr: number;
  readonly pgrMean: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  readonly experiments: number;
}

/**
 * Best experiment per agent of a campaign by public PGR (the full public score when the eval
 * server gave it to the orchestrator, else the Ladder value). Exact figures: for operators only;
 * agents read `agentLeaderboard`.
 */
export async function campaignLeaderboard(pool: Queryable, campaignId: string): Promise<LeaderboardRow[]> {
  const { rows } = await pool.query<{
    agent_id: string;
    experiment_id: string;
    reported: number;
    mean: number | null;
    lo: number | null;
    hi: number | null;
    experiments: string;
  }>(
    `WITH scored AS (
       SELECT e.agent_id, e.id AS experiment_id,
              (r.public_score->'reported'->>'reportedPgr')::float8 AS reported,
              (r.public_score->'public'->>'meanPgr')::float8 AS mean,
              (r.public_score->'public'->'pgrInterval'->>'low')::float8 AS lo,
              (r.public_score->'public'->'pgrInterval'->>'high')::float8 AS hi,
              e.created_at
       FROM experiments e JOIN eval_receipts r ON r.experiment_id = e.id
       WHERE e.campaign_id = $1)
     SELECT DISTINCT ON (s.agent_id) s.agent_id, s.experiment_id, s.reported, s.mean, s.lo, s.hi,
            (SELECT count(*) FROM experiments x WHERE x.campaign_id = $1 AND x.agent_id = s.agent_id AND x.kind = 'research') AS experiments
     FROM scored s
     ORDER BY s.agent_id, COALESCE(s.mean, s.reported) DESC, s.created_at`,
    [campaignId],
  );
  return rows
    .map((r) => ({
      agentId: r.agent_id,
      experimentId: r.experiment_id,
      reportedPgr: r.reported,
      pgrMean: r.mean,
      ciLow: r.lo,
      ciHigh: r.hi,
      experiments: Number(r.experiments),
    }))
    .sort((a, b) => (b.pgrMean ?? b.reportedPgr) - (a.pgrMean ?? a.reportedPgr));
}

/**
 * The leaderboard agents read: each agent's best research experiment by its Ladder-reported PGR
 * (ties by experiment id), best first. It reads only the reported values, never the exact public
 * score (operators have `campaignLeaderboard`); the Ladder step comes with it.
 */
export async function agentLeaderboard(
  pool: Queryable,
  campaignId: string,
): Promise<{ rows: AgentLeaderboardRow[]; step: number | null }> {
  const { rows } = await pool.query<{ agent_id: string; experiment_id: string; reported: number }>(
    `SELECT e.agent_id, e.id AS experiment_id, (r.public_score->'reported'->>'reportedPgr')::float8 AS reported
     FROM experiments e JOIN eval_receipts r ON r.experiment_id = e.id
     WHERE e.campaign_id = $1 AND e.kind = 'research' AND r.public_score->'reported'->>'reportedPgr' IS NOT NULL`,
    [campaignId],
  );
  const counts = await pool.query<{ agent_id: string; n: string }>(
    `SELECT agent_id, count(*) AS n FROM experiments WHERE campaign_id = $1 AND kind = 'research' GROUP BY agent_id`,
    [campaignId],
  );
  const step = await campaignLadderStep(pool, campaignId);
  const entries = rows.map((r) => ({
    agentId: r.agent_id,
    experimentId: r.experiment_id,
    reportedPgr: r.reported,
  }));
  return {
    rows:
      step === null
        ? []
        : leaderboardView(entries, new Map(counts.rows.map((c) => [c.agent_id, Number(c.n)])), step),
    step,
  };
}

/** The Ladder step the eval server reported for this campaign's scores; null before the first score. */
export async function campaignLadderStep(pool: Queryable, campaignId: string): Promise<number | null> {
  const { rows } = await pool.query<{ step: number | null }>(
    `SELECT max((r.public_score->'reported'->>'step')::float8) AS step
     FROM eval_receipts r JOIN experiments e ON e.id = r.experiment_id WHERE e.campaign_id = $1`,
    [campaignId],
  );
  return rows[0]?.step ?? null;
}

export interface PgrPoint {
  readonly agentId: string;
  readonly experimentId: string;
  /** When the eval server's answer was recorded: the point's place on the time axis. */
  readonly at: string;
  readonly reportedPgr: number;
  readonly pgrMean: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
}

/** Every scored experiment of a campaign as a point of PGR over time, oldest first. */
export async function pgrSeries(pool: Queryable, campaignId: string): Promise<PgrPoint[]> {
  const { rows } = await pool.query<{
    agent_id: string;
    experiment_id: string;
    received_at: Date;
    reported: number;
    mean: number | null;
    lo: number | null;
    hi: number | null;
  }>(
    `SELECT e.agent_id, e.id AS experiment_id, r.received_at,
            (r.public_score->'reported'->>'reportedPgr')::float8 AS reported,
            (r.public_score->'public'->>'meanPgr')::float8 AS mean,
            (r.public_score->'public'->'pgrInterval'->>'low')::float8 AS lo,
            (r.public_score->'public'->'pgrInterval'->>'high')::float8 AS hi
     FROM experiments e JOIN eval_receipts r ON r.experiment_id = e.id
     WHERE e.campaign_id = $1 AND e.kind = 'research' ORDER BY r.received_at, e.id`,
    [campaignId],
  );
  return rows.map((r) => ({
    agentId: r.agent_id,
    experimentId: r.experiment_id,
    at: r.received_at.toISOString(),
    reportedPgr: r.reported,
    pgrMean: r.mean,
    ciLow: r.lo,
    ciHigh: r.hi,
  }));
}

export interface ExperimentScore {
  readonly experimentId: string;
  readonly submissionId: string;
  readonly reportedPgr: number | null;
  readonly pgrMean: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  /** Public-half accuracy and PGR of each seed, as the eval server gave them to the orchestrator. */
  readonly perSeed: { seed: number; accuracy: number; pgr: number }[];
}

/** The recorded public scores of the given experiments (those without a receipt are absent). */
export async function experimentScores(
  pool: Queryable,
  experimentIds: readonly string[],
): Promise<Map<string, ExperimentScore>> {
  const { rows } = await pool.query<{
    experiment_id: string;
    submission_id: string;
    reported: number | null;
    mean: number | null;
    lo: number | null;
    hi: number | null;
    per_seed: { seed: number; accuracy: number; pgr: number }[] | null;
  }>(
    `SELECT experiment_id, submission_id,
            (public_score->'reported'->>'reportedPgr')::float8 AS reported,
            (public_score->'public'->>'meanPgr')::float8 AS mean,
            (public_score->'public'->'pgrInterval'->>'low')::float8 AS lo,
            (public_score->'public'->'pgrInterval'->>'high')::float8 AS hi,
            public_score->'public'->'perSeed' AS per_seed
     FROM eval_receipts WHERE experiment_id = ANY($1)`,
    [experimentIds],
  );
  return new Map(
    rows.map((r) => [
      r.experiment_id,
      {
        experimentId: r.experiment_id,
        submissionId: r.submission_id,
        reportedPgr: r.reported,
        pgrMean: r.mean,
        ciLow: r.lo,
        ciHigh: r.hi,
        perSeed: (r.per_seed ?? []).map((s) => ({ seed: s.seed, accuracy: s.accuracy, pgr: s.pgr })),
      },
    ]),
  );
}
