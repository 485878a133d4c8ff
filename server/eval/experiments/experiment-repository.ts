import { ExperimentRecord, type ExperimentRegistration } from '../../../core/api/eval/experiments.js';
import { checkRow, iso, type Queryable } from '../shared/db.js';

const COLUMNS = 'id, campaign_id, agent_id, task_id, seeds, no_eval, created_at';

function toRecord(row: Record<string, unknown>): ExperimentRecord {
  return checkRow(
    ExperimentRecord,
    {
      experimentId: row.id,
      campaignId: row.campaign_id,
      agentId: row.agent_id,
      taskId: row.task_id,
      seeds: row.seeds,
      noEval: row.no_eval,
      createdAt: iso(row.created_at),
    },
    'experiment row',
  );
}

/** The registered experiment, or null. */
export async function findExperiment(db: Queryable, experimentId: string): Promise<ExperimentRecord | null> {
  const result = await db.query(`SELECT ${COLUMNS} FROM experiments WHERE id = $1`, [experimentId]);
  return result.rows[0] === undefined ? null : toRecord(result.rows[0]);
}

/** Inserts the experiment unless it exists; returns the stored row and whether it was created now. */
export async function insertExperiment(
  db: Queryable,
  experimentId: string,
  registration: ExperimentRegistration,
): Promise<{ record: ExperimentRecord; created: boolean }> {
  const inserted = await db.query(
    `INSERT INTO experiments (id, campaign_id, agent_id, task_id, seeds, no_eval)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
    [
      experimentId,
      registration.campaignId,
      registration.agentId,
      registration.taskId,
      registration.seeds,
      registration.noEval,
    ],
  );
  if (inserted.rows[0] !== undefined) return { record: toRecord(inserted.rows[0]), created: true };
  const existing = await findExperiment(db, experimentId);
  if (existing === null) throw new Error('experiment neither inserted nor found');
  return { record: existing, created: false };
}

/** Whether any experiment of the campaign is registered on the task. */
export async function campaignUsesTask(db: Queryable, campaignId: string, taskId: string): Promise<boolean> {
  const result = await db.query('SELECT 1 FROM experiments WHERE campaign_id = $1 AND task_id = $2 LIMIT 1', [
    campaignId,
    taskId,
  ]);
  return result.rows.length > 0;
}
