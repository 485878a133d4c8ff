import { type Static, Type } from 'typebox';
import { checkRow, iso, type Queryable } from '../shared/db.js';
import { AgentId, ExperimentId, Interval, SubmissionId, Timestamp } from '../shared/schemas.js';
import { SplitScore } from '../submissions/schemas.js';

/** One agent on the public leaderboard: its Ladder-reported best, never an exact score. */
export const PublicEntry = Type.Object({
  agentId: AgentId,
  reportedPgr: Type.Number(),
  interval: Type.Object(Interval.properties, {
    description: 'Public 95 % interval, widened outward to the step.',
  }),
  experimentId: ExperimentId,
  submissionId: SubmissionId,
  updatedAt: Timestamp,
});
export type PublicEntry = Static<typeof PublicEntry>;

/** One agent on the admin leaderboard: its best exact public score and that submission's private score. */
export const AdminEntry = Type.Object({
  agentId: AgentId,
  submissions: Type.Integer(),
  probeFlags: Type.Integer(),
  reportedPgr: Type.Union([Type.Number(), Type.Null()]),
  best: Type.Object({
    submissionId: SubmissionId,
    experimentId: ExperimentId,
    submittedAt: Timestamp,
    public: SplitScore,
    private: SplitScore,
  }),
});
export type AdminEntry = Static<typeof AdminEntry>;

/** The Ladder states of a campaign's task, best first. */
export async function publicLeaderboard(
  db: Queryable,
  campaignId: string,
  taskId: string,
): Promise<PublicEntry[]> {
  const result = await db.query(
    `SELECT agent_id, reported_pgr, interval_low, interval_high, experiment_id, submission_id, updated_at
     FROM ladder_states WHERE campaign_id = $1 AND task_id = $2
     ORDER BY reported_pgr DESC, updated_at, agent_id`,
    [campaignId, taskId],
  );
  return result.rows.map((row) =>
    checkRow(
      PublicEntry,
      {
        agentId: row.agent_id,
        reportedPgr: row.reported_pgr,
        interval: { low: row.interval_low, high: row.interval_high },
        experimentId: row.experiment_id,
        submissionId: row.submission_id,
        updatedAt: iso(row.updated_at),
      },
      'ladder row',
    ),
  );
}

/** Each agent's best submission by exact public PGR, with that submission's private score, best first. */
export async function adminLeaderboard(
  db: Queryable,
  campaignId: string,
  taskId: string,
): Promise<AdminEntry[]> {
  const result = await db.query(
    `WITH counts AS (
       SELECT agent_id, count(*)::int AS submissions, count(probe)::int AS probe_flags
       FROM submissions WHERE campaign_id = $1 AND task_id = $2 GROUP BY agent_id),
     best AS (
       SELECT DISTINCT ON (agent_id) agent_id, id, experiment_id, created_at, public_score, private_score,
              public_mean_pgr
       FROM submissions WHERE campaign_id = $1 AND task_id = $2
       ORDER BY agent_id, public_mean_pgr DESC, created_at, id)
     SELECT b.*, c.submissions, c.probe_flags, l.reported_pgr
     FROM best b JOIN counts c USING (agent_id)
     LEFT JOIN ladder_states l ON l.campaign_id = $1 AND l.task_id = $2 AND l.agent_id = b.agent_id
     ORDER BY b.public_mean_pgr DESC, b.created_at, b.agent_id`,
    [campaignId, taskId],
  );
  return result.rows.map((row) =>
    checkRow(
      AdminEntry,
      {
        agentId: row.agent_id,
        submissions: row.submissions,
        probeFlags: row.probe_flags,
        reportedPgr: row.reported_pgr,
        best: {
          submissionId: row.id,
          experimentId: row.experiment_id,
          submittedAt: iso(row.created_at),
          public: row.public_score,
          private: row.private_score,
        },
      },
      'leaderboard row',
    ),
  );
}
