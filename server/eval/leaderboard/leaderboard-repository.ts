import { AdminEntry, PublicEntry } from '../../../core/api/eval/leaderboard.js';
import { ladderIntervalOf } from '../scoring/deferred-intervals.js';
import { checkRow, iso, type Queryable } from '../shared/db.js';
import {
  type IntervalReader,
  STORED_INTERVALS_ONLY,
  withIntervals,
} from '../submissions/interval-repository.js';

/**
 * The Ladder states of a campaign's task, best first. A state whose submission's intervals are
 * still pending gets its interval from them (computed now if need be).
 */
export async function publicLeaderboard(
  db: Queryable,
  campaignId: string,
  taskId: string,
  intervals: IntervalReader = STORED_INTERVALS_ONLY,
): Promise<PublicEntry[]> {
  const result = await db.query(
    `SELECT agent_id, reported_pgr, interval_low, interval_high, experiment_id, submission_id, updated_at
     FROM ladder_states WHERE campaign_id = $1 AND task_id = $2
     ORDER BY reported_pgr DESC, updated_at, agent_id`,
    [campaignId, taskId],
  );
  const entries = result.rows.map(async (row) => {
    const interval =
      row.interval_low === null
        ? await ladderIntervalFor(row.submission_id, intervals)
        : { low: row.interval_low, high: row.interval_high };
    return checkRow(
      PublicEntry,
      {
        agentId: row.agent_id,
        reportedPgr: row.reported_pgr,
        interval,
        experimentId: row.experiment_id,
        submissionId: row.submission_id,
        updatedAt: iso(row.updated_at),
      },
      'ladder row',
    );
  });
  return Promise.all(entries);
}

async function ladderIntervalFor(submissionId: string, intervals: IntervalReader) {
  const stored = await intervals.ensure(submissionId);
  if (stored === null) throw new Error(`ladder state names a missing submission ${submissionId}`);
  return ladderIntervalOf(stored);
}

/** Each agent's best submission by exact public PGR, with that submission's private score, best first. */
export async function adminLeaderboard(
  db: Queryable,
  campaignId: string,
  taskId: string,
  intervals: IntervalReader = STORED_INTERVALS_ONLY,
): Promise<AdminEntry[]> {
  const result = await db.query(
    `WITH counts AS (
       SELECT agent_id, count(*)::int AS submissions, count(probe)::int AS probe_flags
       FROM submissions WHERE campaign_id = $1 AND task_id = $2 GROUP BY agent_id),
     best AS (
       SELECT DISTINCT ON (agent_id) agent_id, id, experiment_id, created_at, public_score, private_score,
              public_mean_pgr, intervals_pending
       FROM submissions WHERE campaign_id = $1 AND task_id = $2
       ORDER BY agent_id, public_mean_pgr DESC, created_at, id)
     SELECT b.*, c.submissions, c.probe_flags, l.reported_pgr
     FROM best b JOIN counts c USING (agent_id)
     LEFT JOIN ladder_states l ON l.campaign_id = $1 AND l.task_id = $2 AND l.agent_id = b.agent_id
     ORDER BY b.public_mean_pgr DESC, b.created_at, b.agent_id`,
    [campaignId, taskId],
  );
  const entries = result.rows.map(async (stored) => {
    const row = await withIntervals(stored, intervals);
    return checkRow(
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
    );
  });
  return Promise.all(entries);
}
