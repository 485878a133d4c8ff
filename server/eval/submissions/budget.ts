import { AppError } from '../../http/errors.js';
import type { Queryable } from '../shared/db.js';

/** An agent's scored submissions, counted by the database clock. */
export interface Usage {
  readonly lastHour: number;
  readonly inCampaign: number;
  /** The oldest submission of the last hour, which is the next to leave the window. */
  readonly oldestInHour: Date | null;
  readonly now: Date;
}

/** Submission limits of one agent (from configuration). */
export interface Budget {
  readonly perHour: number;
  readonly perCampaign: number;
}

/** Counts the agent's scored submissions in the last hour and in the campaign, by the database clock. */
export async function readUsage(db: Queryable, campaignId: string, agentId: string): Promise<Usage> {
  const result = await db.query<{ last_hour: number; in_campaign: number; oldest: Date | null; now: Date }>(
    `SELECT count(*) FILTER (WHERE created_at > now() - interval '1 hour')::int AS last_hour,
            count(*)::int AS in_campaign,
            min(created_at) FILTER (WHERE created_at > now() - interval '1 hour') AS oldest,
            now() AS now
     FROM submissions WHERE campaign_id = $1 AND agent_id = $2`,
    [campaignId, agentId],
  );
  const row = result.rows[0]!;
  return { lastHour: row.last_hour, inCampaign: row.in_campaign, oldestInHour: row.oldest, now: row.now };
}

/** Which window a refusal is for, for metrics and the violation record. */
export type BudgetWindow = 'hour' | 'campaign';

/**
 * The 429 that refuses one more submission, or null when the budget allows it. The hourly window
 * slides: Retry-After says when its oldest submission leaves it. Waiting never restores a
 * campaign budget, so that refusal carries no Retry-After.
 */
export function budgetRefusal(
  usage: Usage,
  budget: Budget,
): { window: BudgetWindow; error: AppError } | null {
  if (usage.inCampaign >= budget.perCampaign) {
    return {
      window: 'campaign',
      error: new AppError(
        'campaign_budget_exhausted',
        `this agent has used all ${budget.perCampaign} submissions of its campaign budget; waiting will not help, ask an operator`,
      ),
    };
  }
  if (usage.lastHour >= budget.perHour) {
    const oldest = usage.oldestInHour?.getTime() ?? usage.now.getTime();
    const retryAfter = Math.max(1, Math.ceil((oldest + 3_600_000 - usage.now.getTime()) / 1000));
    return {
      window: 'hour',
      error: new AppError(
        'submission_budget_exhausted',
        `this agent has made ${usage.lastHour} submissions in the last hour (limit ${budget.perHour}); retry after ${retryAfter} s`,
        { headers: { 'retry-after': String(retryAfter) } },
      ),
    };
  }
  return null;
}
