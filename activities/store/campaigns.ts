import type { Pool } from '../../runtime/db.js';
import type { RegisterCampaignInput, RegisterCampaignResult } from '../../workflows/definitions.js';

/**
 * Inserts the campaign row unless it exists, and returns the row either way: a retried activity
 * adopts what its first attempt wrote.
 */
export async function insertCampaign(
  pool: Pool,
  input: RegisterCampaignInput,
  workflowId: string,
): Promise<RegisterCampaignResult> {
  const inserted = await pool.query<{ id: string; status: string; created_at: Date }>(
    `INSERT INTO campaigns (id, name, task_id, spec, workflow_id)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING
     RETURNING id, status, created_at`,
    [input.campaignId, input.name, input.taskId, JSON.stringify(input.spec), workflowId],
  );
  const row =
    inserted.rows[0] ??
    (
      await pool.query<{ id: string; status: string; created_at: Date }>(
        'SELECT id, status, created_at FROM campaigns WHERE id = $1',
        [input.campaignId],
      )
    ).rows[0];
  if (row === undefined) throw new Error(`campaign ${input.campaignId} vanished between insert and read`);
  return {
    campaignId: row.id,
    status: row.status,
    createdAt: row.created_at.toISOString(),
    created: inserted.rowCount === 1,
  };
}
