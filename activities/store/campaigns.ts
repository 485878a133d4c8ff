import type { CampaignSpec } from '../../core/campaign-spec.js';
import { type Pool, type Queryable, withTransaction } from '../../runtime/db.js';
import type { RegisterCampaignInput, RegisterCampaignResult } from '../../workflows/definitions.js';

/**
 * Inserts the campaign row unless it exists, and returns the row either way: a retried activity
 * adopts what its first attempt wrote.
 */
export async function insertCampaign(
  pool: Queryable,
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

/**
 * Records which operator identity started a campaign (the api, after starting its workflow). The
 * first launcher recorded stays: a retried start changes nothing.
 */
export async function recordLauncher(
  pool: Queryable,
  campaignId: string,
  operatorName: string,
): Promise<void> {
  await pool.query('UPDATE campaigns SET launched_by = $2 WHERE id = $1 AND launched_by IS NULL', [
    campaignId,
    operatorName,
  ]);
}

/** Records a campaign and its agents as running, in one transaction; repeating it changes nothing. */
export async function insertRunningCampaign(
  pool: Pool,
  campaignId: string,
  spec: CampaignSpec,
  workflowId: string,
): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO campaigns (id, name, task_id, spec, workflow_id, status)
       VALUES ($1, $2, $3, $4, $5, 'running')
       ON CONFLICT (id) DO UPDATE SET status = 'running', updated_at = now()
       WHERE campaigns.status = 'pending'`,
      [campaignId, spec.name, spec.task, JSON.stringify(spec), workflowId],
    );
    for (const agent of spec.agents) {
      await client.query(
        `INSERT INTO agents (campaign_id, id, policy, direction, settings, status)
         VALUES ($1, $2, $3, $4, $5, 'starting')
         ON CONFLICT (campaign_id, id) DO NOTHING`,
        [campaignId, agent.id, agent.policy, agent.direction, JSON.stringify(agent.settings ?? {})],
      );
    }
  });
}

export type CampaignStatusValue = 'pending' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

/** Sets a campaign's status; `summary` is written when the campaign ends. */
export async function updateCampaignStatus(
  pool: Queryable,
  campaignId: string,
  status: CampaignStatusValue,
  summary?: unknown,
): Promise<void> {
  const ended = status === 'completed' || status === 'failed' || status === 'cancelled';
  await pool.query(
    `UPDATE campaigns SET status = $2, updated_at = now(),
       summary = COALESCE($3, summary),
       finished_at = CASE WHEN $4 THEN COALESCE(finished_at, now()) ELSE finished_at END
     WHERE id = $1`,
    [campaignId, status, summary === undefined ? null : JSON.stringify(summary), ended],
  );
}

/** Sets an agent's status and a one-line detail (what it is doing, or why it stopped). */
export async function updateAgentStatus(
  pool: Queryable,
  campaignId: string,
  agentId: string,
  status: string,
  detail: string,
): Promise<void> {
  await pool.query(
    'UPDATE agents SET status = $3, status_detail = $4, updated_at = now() WHERE campaign_id = $1 AND id = $2',
    [campaignId, agentId, status, detail.slice(0, 1000)],
  );
}

/** Appends an operator or system action to the campaign's record. */
export async function insertCampaignEvent(
  pool: Queryable,
  event: { campaignId: string; agentId?: string | null; actor: string; action: string; detail?: unknown },
): Promise<void> {
  await pool.query(
    'INSERT INTO operator_actions (campaign_id, agent_id, actor, action, detail) VALUES ($1, $2, $3, $4, $5)',
    [event.campaignId, event.agentId ?? null, event.actor, event.action, JSON.stringify(event.detail ?? {})],
  );
}

export interface CampaignRow {
  readonly id: string;
  readonly name: string;
  readonly taskId: string;
  readonly status: string;
  readonly spec: unknown;
  readonly workflowId: string;
  readonly summary: unknown;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  /** The operator identity that started it; null for campaigns started before identities. */
  readonly launchedBy: string | null;
}

interface CampaignDbRow {
  id: string;
  name: string;
  task_id: string;
  status: string;
  spec: unknown;
  workflow_id: string;
  summary: unknown;
  created_at: Date;
  finished_at: Date | null;
  launched_by: string | null;
}

const toCampaign = (r: CampaignDbRow): CampaignRow => ({
  id: r.id,
  name: r.name,
  taskId: r.task_id,
  status: r.status,
  spec: r.spec,
  workflowId: r.workflow_id,
  summary: r.summary,
  createdAt: r.created_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
  launchedBy: r.launched_by ?? null,
});

export async function findCampaign(pool: Queryable, id: string): Promise<CampaignRow | null> {
  const { rows } = await pool.query<CampaignDbRow>('SELECT * FROM campaigns WHERE id = $1', [id]);
  return rows[0] ? toCampaign(rows[0]) : null;
}

/** Campaigns, newest first, with their agent and experiment counts and best reported PGR. */
export async function listCampaigns(
  pool: Queryable,
  limit: number,
): Promise<(CampaignRow & { agents: number; experiments: number; bestPgr: number | null })[]> {
  const { rows } = await pool.query<
    CampaignDbRow & { agents: string; experiments: string; best: number | null }
  >(
    `SELECT c.*,
       (SELECT count(*) FROM agents a WHERE a.campaign_id = c.id) AS agents,
       (SELECT count(*) FROM experiments e WHERE e.campaign_id = c.id AND e.kind = 'research') AS experiments,
       (SELECT max(COALESCE((r.public_score->'public'->>'meanPgr')::float8, (r.public_score->'reported'->>'reportedPgr')::float8))
          FROM experiments e JOIN eval_receipts r ON r.experiment_id = e.id WHERE e.campaign_id = c.id) AS best
     FROM campaigns c ORDER BY c.created_at DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    ...toCampaign(r),
    agents: Number(r.agents),
    experiments: Number(r.experiments),
    bestPgr: r.best,
  }));
}

export interface AgentRow {
  readonly id: string;
  readonly policy: string;
  readonly direction: string;
  readonly status: string;
  readonly detail: string | null;
  readonly done: number;
  readonly running: number;
  readonly failed: number;
}

/** The agents of a campaign with their recorded status and experiment counts. */
export async function listAgents(pool: Queryable, campaignId: string): Promise<AgentRow[]> {
  const { rows } = await pool.query<{
    id: string;
    policy: string;
    direction: string;
    status: string;
    status_detail: string | null;
    done: string;
    running: string;
    failed: string;
  }>(
    `SELECT a.id, a.policy, a.direction, a.status, a.status_detail,
       count(e.*) FILTER (WHERE e.status IN ('scored', 'unscored', 'failed', 'invalid', 'cancelled')) AS done,
       count(e.*) FILTER (WHERE e.status IN ('proposed', 'running')) AS running,
       count(e.*) FILTER (WHERE e.status IN ('failed', 'invalid')) AS failed
     FROM agents a LEFT JOIN experiments e ON e.campaign_id = a.campaign_id AND e.agent_id = a.id AND e.kind = 'research'
     WHERE a.campaign_id = $1 GROUP BY a.campaign_id, a.id ORDER BY a.id`,
    [campaignId],
  );
  return rows.map((r) => ({
    id: r.id,
    policy: r.policy,
    direction: r.direction,
    status: r.status,
    detail: r.status_detail,
    done: Number(r.done),
    running: Number(r.running),
    failed: Number(r.failed),
  }));
}

/**
 * Campaigns that are running or paused, each with the time of its latest progress: the last
 * experiment that finished, or the campaign's start when none has.
 */
export async function activeCampaignProgress(
  pool: Queryable,
): Promise<{ campaignId: string; status: string; lastProgressAt: Date }[]> {
  const { rows } = await pool.query<{ id: string; status: string; last: Date }>(
    `SELECT c.id, c.status, GREATEST(c.created_at, COALESCE(max(e.finished_at), c.created_at)) AS last
     FROM campaigns c LEFT JOIN experiments e ON e.campaign_id = c.id
     WHERE c.status IN ('running', 'paused') GROUP BY c.id`,
  );
  return rows.map((r) => ({ campaignId: r.id, status: r.status, lastProgressAt: r.last }));
}
