import type { Queryable } from '../../runtime/db.js';

/** One Messages API response's usage as the ledger records it. */
export interface TokenUsageEntry {
  readonly campaignId: string;
  readonly agentId: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly costUsd: number;
  /** The response's message id: a response is recorded once however often its step is retried. */
  readonly idempotencyKey: string;
  readonly requestId: string | null;
  readonly experimentId: string | null;
  readonly step: string | null;
  readonly purpose: 'turn' | 'notebook';
}

/** Records a response's usage once; resolves to false when its key was already recorded. */
export async function recordTokenUsage(pool: Queryable, entry: TokenUsageEntry): Promise<boolean> {
  const inserted = await pool.query(
    `INSERT INTO token_usage (campaign_id, agent_id, model, input_tokens, output_tokens, cache_read_tokens,
       cache_write_tokens, cost_usd, idempotency_key, request_id, experiment_id, step, purpose)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (idempotency_key) DO NOTHING`,
    [
      entry.campaignId,
      entry.agentId,
      entry.model,
      entry.inputTokens,
      entry.outputTokens,
      entry.cacheReadTokens,
      entry.cacheWriteTokens,
      entry.costUsd.toFixed(6),
      entry.idempotencyKey,
      entry.requestId,
      entry.experimentId,
      entry.step,
      entry.purpose,
    ],
  );
  return inserted.rowCount === 1;
}

/** Tokens and dollars spent, all four token kinds summed. */
export interface Spend {
  readonly tokens: number;
  readonly dollars: number;
}

/** What one agent and its whole campaign have spent so far, for the budget check before a call. */
export async function spendOf(
  pool: Queryable,
  campaignId: string,
  agentId: string,
): Promise<{ agent: Spend; campaign: Spend }> {
  const { rows } = await pool.query<{
    agent_tokens: string;
    agent_dollars: string;
    campaign_tokens: string;
    campaign_dollars: string;
  }>(
    `SELECT
       COALESCE(sum(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens)
         FILTER (WHERE agent_id = $2), 0) AS agent_tokens,
       COALESCE(sum(cost_usd) FILTER (WHERE agent_id = $2), 0) AS agent_dollars,
       COALESCE(sum(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens), 0) AS campaign_tokens,
       COALESCE(sum(cost_usd), 0) AS campaign_dollars
     FROM token_usage WHERE campaign_id = $1`,
    [campaignId, agentId],
  );
  const r = rows[0]!;
  return {
    agent: { tokens: Number(r.agent_tokens), dollars: Number(r.agent_dollars) },
    campaign: { tokens: Number(r.campaign_tokens), dollars: Number(r.campaign_dollars) },
  };
}

/** Per-agent totals of a campaign (the ledger's view for operators and tests). */
export async function usageTotals(
  pool: Queryable,
  campaignId: string,
): Promise<
  {
    agentId: string;
    calls: number;
    inputTokens: number;
    outputTokens: number;
    cacheReadTokens: number;
    cacheWriteTokens: number;
    costUsd: number;
  }[]
> {
  const { rows } = await pool.query<{
    agent_id: string;
    calls: string;
    input: string;
    output: string;
    cache_read: string;
    cache_write: string;
    cost: string;
  }>(
    `SELECT agent_id, count(*) AS calls, sum(input_tokens) AS input, sum(output_tokens) AS output,
       sum(cache_read_tokens) AS cache_read, sum(cache_write_tokens) AS cache_write, sum(cost_usd) AS cost
     FROM token_usage WHERE campaign_id = $1 GROUP BY agent_id ORDER BY agent_id`,
    [campaignId],
  );
  return rows.map((r) => ({
    agentId: r.agent_id,
    calls: Number(r.calls),
    inputTokens: Number(r.input),
    outputTokens: Number(r.output),
    cacheReadTokens: Number(r.cache_read),
    cacheWriteTokens: Number(r.cache_write),
    costUsd: Number(r.cost),
  }));
}
