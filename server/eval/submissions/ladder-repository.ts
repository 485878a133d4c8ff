import type { Queryable } from '../shared/db.js';

/**
 * What an agent was last told about its best public score on a task. The interval is null until
 * the intervals of the submission that raised it are stored (`interval-repository.ts`).
 */
export interface LadderState {
  readonly reportedPgr: number;
  readonly intervalLow: number | null;
  readonly intervalHigh: number | null;
  readonly submissionId: string;
  readonly experimentId: string;
}

/** The agent's Ladder state on a task, or null before its first submission there. */
export async function readLadder(
  db: Queryable,
  campaignId: string,
  agentId: string,
  taskId: string,
): Promise<LadderState | null> {
  const result = await db.query(
    `SELECT reported_pgr, interval_low, interval_high, submission_id, experiment_id FROM ladder_states
     WHERE campaign_id = $1 AND agent_id = $2 AND task_id = $3`,
    [campaignId, agentId, taskId],
  );
  const row = result.rows[0];
  if (row === undefined) return null;
  return {
    reportedPgr: row.reported_pgr,
    intervalLow: row.interval_low,
    intervalHigh: row.interval_high,
    submissionId: row.submission_id,
    experimentId: row.experiment_id,
  };
}

/** Stores a raised Ladder state (only when a submission improved it). */
export async function writeLadder(
  db: Queryable,
  key: { campaignId: string; agentId: string; taskId: string },
  state: LadderState,
): Promise<void> {
  await db.query(
    `INSERT INTO ladder_states (campaign_id, agent_id, task_id, reported_pgr, interval_low, interval_high,
       submission_id, experiment_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (campaign_id, agent_id, task_id) DO UPDATE SET reported_pgr = $4, interval_low = $5,
       interval_high = $6, submission_id = $7, experiment_id = $8, updated_at = now()`,
    [
      key.campaignId,
      key.agentId,
      key.taskId,
      state.reportedPgr,
      state.intervalLow,
      state.intervalHigh,
      state.submissionId,
      state.experimentId,
    ],
  );
}
