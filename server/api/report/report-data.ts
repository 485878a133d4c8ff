import { findCampaign, listAgents } from '../../../activities/store/campaigns.js';
import { type IntegrityFlag, listFlags } from '../../../activities/store/integrity-flags.js';
import { listPromotions, type PromotionRow } from '../../../activities/store/promotions.js';
import type { Pool } from '../../../runtime/db.js';

export interface ScoredPoint {
  readonly experimentId: string;
  readonly agentId: string;
  readonly family: string;
  readonly hours: number;
  readonly pgr: number;
  readonly low: number | null;
  readonly high: number | null;
}

export interface FamilyRow {
  readonly family: string;
  readonly experiments: number;
  readonly bestPgr: number;
  readonly meanPgr: number;
}

export interface ReportData {
  readonly campaign: {
    id: string;
    name: string;
    status: string;
    task: string;
    heldOutTask: string | null;
    createdAt: string;
    finishedAt: string | null;
  };
  readonly agents: { id: string; policy: string; direction: string; experiments: number }[];
  readonly experiments: { total: number; scored: number; failed: number; invalid: number };
  readonly points: ScoredPoint[];
  readonly families: FamilyRow[];
  readonly best: ScoredPoint | null;
  readonly naiveReference: { pgr: number; source: string };
  readonly promotions: PromotionRow[];
  readonly flags: IntegrityFlag[];
  readonly cost: {
    dollars: number;
    tokens: number;
    gpuHours: number;
    pgrPointsGained: number;
    dollarsPerPoint: number | null;
    gpuHoursPerPoint: number | null;
  };
  readonly generatedAt: string;
}

/** The method family of a spec: loss kind plus the extras switched on. */
export function familyOf(spec: {
  loss?: { kind?: string };
  filter?: unknown;
  earlyStopping?: unknown;
  hook?: unknown;
}): string {
  const parts = [spec.loss?.kind ?? 'unknown'];
  if (spec.filter) parts.push('filter');
  if (spec.earlyStopping) parts.push('early-stop');
  if (spec.hook) parts.push('hook');
  return parts.join('+');
}

/**
 * Everything the campaign report shows, read from the record in one place so the Markdown and the
 * HTML say the same numbers (and a test can compare them with the database).
 */
export async function loadReportData(pool: Pool, campaignId: string): Promise<ReportData | null> {
  const campaign = await findCampaign(pool, campaignId);
  if (campaign === null) return null;
  const spec = campaign.spec as { task: string; heldOutTask?: string };
  const started = Date.parse(campaign.createdAt);
  const scored = await pool.query<{
    id: string;
    agent_id: string;
    spec: Record<string, unknown>;
    finished_at: Date | null;
    pgr: number;
    low: number | null;
    high: number | null;
  }>(
    `SELECT e.id, e.agent_id, e.spec, e.finished_at,
            COALESCE((r.public_score->'public'->>'meanPgr')::float8, (r.public_score->'reported'->>'reportedPgr')::float8) AS pgr,
            (r.public_score->'public'->'pgrInterval'->>'low')::float8 AS low,
            (r.public_score->'public'->'pgrInterval'->>'high')::float8 AS high
     FROM experiments e JOIN eval_receipts r ON r.experiment_id = e.id
     WHERE e.campaign_id = $1 AND e.kind = 'research' ORDER BY e.finished_at, e.id`,
    [campaignId],
  );
  const points: ScoredPoint[] = scored.rows.map((r) => ({
    experimentId: r.id,
    agentId: r.agent_id,
    family: familyOf(r.spec),
    hours: ((r.finished_at?.getTime() ?? started) - started) / 3_600_000,
    pgr: r.pgr,
    low: r.low,
    high: r.high,
  }));
  const byFamily = new Map<string, number[]>();
  for (const p of points) byFamily.set(p.family, [...(byFamily.get(p.family) ?? []), p.pgr]);
  const families = [...byFamily.entries()]
    .map(([family, values]) => ({
      family,
      experiments: values.length,
      bestPgr: Math.max(...values),
      meanPgr: values.reduce((a, b) => a + b, 0) / values.length,
    }))
    .sort((a, b) => b.bestPgr - a.bestPgr);
  const best = points.reduce<ScoredPoint | null>((b, p) => (b === null || p.pgr > b.pgr ? p : b), null);
  const naive = points.filter((p) => p.family === 'xent');
  const naiveReference =
    naive.length > 0
      ? {
          pgr: Math.max(...naive.map((p) => p.pgr)),
          source: 'the best plain cross-entropy (naive) experiment of the campaign',
        }
      : { pgr: 0, source: 'PGR 0 (the weak supervisor): no naive experiment ran in this campaign' };
  const counts = await pool.query<{ total: string; scored: string; failed: string; invalid: string }>(
    `SELECT count(*) AS total, count(*) FILTER (WHERE status = 'scored') AS scored,
            count(*) FILTER (WHERE status = 'failed') AS failed, count(*) FILTER (WHERE status = 'invalid') AS invalid
     FROM experiments WHERE campaign_id = $1 AND kind = 'research'`,
    [campaignId],
  );
  const tokens = await pool.query<{ dollars: string | null; tokens: string | null }>(
    `SELECT sum(cost_usd) AS dollars, sum(input_tokens + output_tokens + cache_read_tokens + cache_write_tokens) AS tokens
     FROM token_usage WHERE campaign_id = $1`,
    [campaignId],
  );
  const gpu = await pool.query<{ seconds: number | null }>(
    `SELECT sum((x.bundle->>'wallSeconds')::float8) AS seconds FROM results x JOIN experiments e ON e.id = x.experiment_id WHERE e.campaign_id = $1`,
    [campaignId],
  );
  const dollars = Number(tokens.rows[0]?.dollars ?? 0);
  const gpuHours = (gpu.rows[0]?.seconds ?? 0) / 3600;
  const pgrPointsGained = best ? Math.max(0, (best.pgr - naiveReference.pgr) * 100) : 0;
  const agentRows = await listAgents(pool, campaignId);
  const row = counts.rows[0]!;
  return {
    campaign: {
      id: campaign.id,
      name: campaign.name,
      status: campaign.status,
      task: spec.task,
      heldOutTask: spec.heldOutTask ?? null,
      createdAt: campaign.createdAt,
      finishedAt: campaign.finishedAt,
    },
    agents: agentRows.map((a) => ({
      id: a.id,
      policy: a.policy,
      direction: a.direction,
      experiments: a.done + a.running,
    })),
    experiments: {
      total: Number(row.total),
      scored: Number(row.scored),
      failed: Number(row.failed),
      invalid: Number(row.invalid),
    },
    points,
    families,
    best,
    naiveReference,
    promotions: await listPromotions(pool, campaignId),
    flags: await listFlags(pool, campaignId),
    cost: {
      dollars,
      tokens: Number(tokens.rows[0]?.tokens ?? 0),
      gpuHours,
      pgrPointsGained,
      dollarsPerPoint: pgrPointsGained > 0 ? dollars / pgrPointsGained : null,
      gpuHoursPerPoint: pgrPointsGained > 0 ? gpuHours / pgrPointsGained : null,
    },
    generatedAt: new Date().toISOString(),
  };
}
