import { randomUUID } from 'node:crypto';
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages.js';
import type { Pool } from '../../../runtime/db.js';
import type { ModelMetrics } from '../../metrics.js';
import { recordTokenUsage, spendOf } from '../../store/token-usage.js';
import { type PolicyLimits, PolicyPaused } from '../policy.js';
import { costOf, type ModelPrice, type PriceTable, priceOf, type TokenCounts } from './pricing.js';

/** Who pays for a call and what it is for. */
export interface CallScope {
  readonly campaignId: string;
  readonly agentId: string;
  readonly experimentId: string;
  readonly step: 'propose' | 'analyse';
  readonly purpose: 'turn' | 'notebook';
}

const tokens = (n: number) => n.toLocaleString('en-US');
const dollars = (n: number) => `$${n.toFixed(2)}`;

/**
 * The cost ledger: checks the agent's and the campaign's token and dollar budgets before every
 * call (a reached budget pauses the agent with a status saying what to do), and records every
 * response's usage once, keyed by its message id, priced from the table.
 */
export function createLedger(deps: { pool: Pool; prices: PriceTable; metrics: ModelMetrics }) {
  return {
    /** The model's price, or a pause naming the missing entry (an unpriced call would escape every dollar budget). */
    priceFor(model: string): ModelPrice {
      const price = priceOf(deps.prices, model);
      if (price === undefined) {
        throw new PolicyPaused(
          `no price for model '${model}' in the price table — add it to the file AAR_CLAUDE_PRICES_FILE names, restart the orchestrator worker and resume`,
        );
      }
      return price;
    },

    /** Throws {@link PolicyPaused} when a token or dollar budget of the agent or its campaign is reached. */
    async assertWithinBudget(scope: CallScope, limits: PolicyLimits): Promise<void> {
      const spent = await spendOf(deps.pool, scope.campaignId, scope.agentId);
      const agentRaise = `raise it with POST /v1/campaigns/${scope.campaignId}/agents/${scope.agentId}/budget and resume`;
      const campaignRaise = `raise it with POST /v1/campaigns/${scope.campaignId}/budget and resume`;
      const checks = [
        {
          limit: limits.agent?.tokens,
          used: spent.agent.tokens,
          kind: 'token',
          who: scope.agentId,
          raise: agentRaise,
        },
        {
          limit: limits.agent?.dollars,
          used: spent.agent.dollars,
          kind: 'dollar',
          who: scope.agentId,
          raise: agentRaise,
        },
        {
          limit: limits.campaign?.tokens,
          used: spent.campaign.tokens,
          kind: 'token',
          who: `campaign ${scope.campaignId}`,
          raise: campaignRaise,
        },
        {
          limit: limits.campaign?.dollars,
          used: spent.campaign.dollars,
          kind: 'dollar',
          who: `campaign ${scope.campaignId}`,
          raise: campaignRaise,
        },
      ];
      for (const c of checks) {
        if (c.limit === undefined || c.used < c.limit) continue;
        deps.metrics.requests.inc({ outcome: 'budget_pause' });
        const amount =
          c.kind === 'token'
            ? `${tokens(c.used)} of ${tokens(c.limit)} tokens`
            : `${dollars(c.used)} of ${dollars(c.limit)}`;
        throw new PolicyPaused(`${c.kind} budget reached: ${amount} for ${c.who} — ${c.raise}`);
      }
    },

    /** Records a response's usage unless its message id is already in the ledger. */
    async record(
      scope: CallScope,
      message: Message & { _request_id?: string | null },
      requestedModel: string,
    ): Promise<TokenCounts> {
      const counts: TokenCounts = {
        inputTokens: message.usage.input_tokens,
        outputTokens: message.usage.output_tokens,
        cacheReadTokens: message.usage.cache_read_input_tokens ?? 0,
        cacheWriteTokens: message.usage.cache_creation_input_tokens ?? 0,
      };
      // A response names the snapshot that answered; price it as the model asked for if the table lacks it.
      const price = priceOf(deps.prices, message.model) ?? this.priceFor(requestedModel);
      const costUsd = costOf(price, counts);
      const inserted = await recordTokenUsage(deps.pool, {
        campaignId: scope.campaignId,
        agentId: scope.agentId,
        model: message.model,
        ...counts,
        costUsd,
        idempotencyKey: message.id || message._request_id || `unidentified-${randomUUID()}`,
        requestId: message._request_id ?? null,
        experimentId: scope.experimentId,
        step: scope.step,
        purpose: scope.purpose,
      });
      if (inserted) {
        deps.metrics.tokens.inc({ kind: 'input' }, counts.inputTokens);
        deps.metrics.tokens.inc({ kind: 'output' }, counts.outputTokens);
        deps.metrics.tokens.inc({ kind: 'cache_read' }, counts.cacheReadTokens);
        deps.metrics.tokens.inc({ kind: 'cache_write' }, counts.cacheWriteTokens);
        deps.metrics.cost.inc(costUsd);
      }
      return counts;
    },
  };
}
export type Ledger = ReturnType<typeof createLedger>;
