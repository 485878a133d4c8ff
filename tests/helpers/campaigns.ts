import { randomBytes } from 'node:crypto';
import { type CampaignSummary, campaignWorkflowId } from '../../workflows/definitions.js';
import type { Stack } from './stack.js';

/**
 * A small campaign spec for tests: baseline agents, 2 seeds, `perAgent` experiments each. The id
 * gets a random suffix: workflow ids are global on the shared Temporal server.
 */
export function smallCampaign(
  name: string,
  agents: number,
  perAgent: number,
  extra: Record<string, unknown> = {},
) {
  const id = `${name}-${randomBytes(3).toString('hex')}`;
  return {
    apiVersion: 'aar/v1',
    id,
    name: `test campaign ${id}`,
    task: 'mnist1d',
    seedsPerExperiment: 2,
    agents: Array.from({ length: agents }, (_, i) => ({
      id: `agent-${i + 1}`,
      policy: 'baseline',
      direction: ['auxiliary confidence loss', 'filter confident labels', 'early stopping'][i % 3],
      seed: i,
    })),
    budgets: { perAgent: { experiments: perAgent } },
    // The gate re-runs arms on fresh seeds; tests that are not about it keep it off.
    promotion: { auto: false },
    ...extra,
  };
}

/** Starts a campaign through the api server and returns its id. */
export async function startCampaign(stack: Stack, spec: ReturnType<typeof smallCampaign>): Promise<string> {
  const started = await stack.api('POST', '/v1/campaigns', spec);
  if (started.status !== 201)
    throw new Error(`starting the campaign failed: ${JSON.stringify(started.body)}`);
  return started.body.campaignId as string;
}

/**
 * Waits for the campaign workflow's result (its summary), asking again when the connection to
 * Temporal drops (the restart tests take the server away on purpose).
 */
export async function campaignResult(
  stack: Stack,
  campaignId: string,
  timeoutMs = 600_000,
): Promise<CampaignSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return (await stack.temporal.client.workflow
        .getHandle(campaignWorkflowId(campaignId))
        .result()) as CampaignSummary;
    } catch (error) {
      // The SDK wraps the gRPC status in a ServiceError ("Failed to get Workflow execution
      // history") whose cause holds the gRPC code: a server still starting answers UNAVAILABLE,
      // DEADLINE_EXCEEDED or INTERNAL for a moment. Read both.
      const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
      const transient =
        [4, 13, 14].includes(Number(cause?.code)) ||
        /unavailable|connect|ECONNREFUSED|deadline|transport/i.test(
          `${String(error)} ${String(cause ?? '')}`,
        );
      if (!transient || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Counts of what the record holds for a campaign: the facts the fault tests compare. */
export async function campaignRecord(stack: Stack, campaignId: string) {
  const q = async (sql: string) => (await stack.record.pool.query(sql, [campaignId])).rows;
  const experiments = await q(`SELECT id, status FROM experiments WHERE campaign_id = $1 ORDER BY id`);
  const runs = await q(
    `SELECT r.id, r.seed, r.attempt, r.status, r.launches FROM experiment_runs r JOIN experiments e ON e.id = r.experiment_id
     WHERE e.campaign_id = $1 ORDER BY r.id`,
  );
  const results = await q(
    `SELECT x.run_id FROM results x JOIN experiments e ON e.id = x.experiment_id WHERE e.campaign_id = $1`,
  );
  const receipts = await q(
    `SELECT x.experiment_id FROM eval_receipts x JOIN experiments e ON e.id = x.experiment_id WHERE e.campaign_id = $1`,
  );
  // Agents' own posts: the integrity checker's replies under them come and go with what it flags.
  const posts = await q(
    `SELECT id, idempotency_key FROM forum_posts WHERE campaign_id = $1 AND author_kind = 'agent'`,
  );
  return { experiments, runs, results, receipts, posts };
}
