import type { Registry } from 'prom-client';
import type { PolicyName } from '../../core/campaign-spec.js';
import type { Pool } from '../../runtime/db.js';
import type { Logger } from '../../runtime/logger.js';
import { createBaselinePolicy } from './baseline/baseline-policy.js';
import { createClaudePolicy } from './claude/claude-policy.js';
import type { PriceTable } from './claude/pricing.js';
import type { ResearcherPolicy } from './policy.js';

/** The trainer's default training settings (trainer/README.md), the baseline's naive point. */
export const TRAINER_DEFAULTS = { epochs: 20, learningRate: 2e-3, batchSize: 64 } as const;

/** What policies may use: the record, a logger, the process registry, and the Claude connection when configured. */
export interface PolicyDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Present when an Anthropic API key is configured on this worker. */
  readonly claude?: {
    readonly apiKey: string;
    readonly baseUrl?: string;
    /** The model of agents whose settings name none (`AAR_CLAUDE_MODEL`). */
    readonly defaultModel?: string;
    /** Prices per million tokens (`AAR_CLAUDE_PRICES_FILE` over the built-in table). */
    readonly prices?: PriceTable;
  };
}

/** The policies a worker offers: the baseline always; others when configured (an API key for claude). */
export function createPolicies(deps: PolicyDeps): Partial<Record<PolicyName, ResearcherPolicy>> {
  return {
    baseline: createBaselinePolicy(TRAINER_DEFAULTS),
    ...(deps.claude
      ? {
          claude: createClaudePolicy({
            pool: deps.pool,
            logger: deps.logger,
            registry: deps.registry,
            connection: {
              apiKey: deps.claude.apiKey,
              ...(deps.claude.baseUrl ? { baseUrl: deps.claude.baseUrl } : {}),
            },
            ...(deps.claude.defaultModel ? { defaultModel: deps.claude.defaultModel } : {}),
            ...(deps.claude.prices ? { prices: deps.claude.prices } : {}),
          }),
        }
      : {}),
  };
}
