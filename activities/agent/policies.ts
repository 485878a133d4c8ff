import type { Registry } from 'prom-client';
import type { PolicyName } from '../../core/campaign-spec.js';
import type { Pool } from '../../runtime/db.js';
import type { Logger } from '../../runtime/logger.js';
import { createBaselinePolicy } from './baseline/baseline-policy.js';
import type { ResearcherPolicy } from './policy.js';

/** The trainer's default training settings (trainer/README.md), the baseline's naive point. */
export const TRAINER_DEFAULTS = { epochs: 20, learningRate: 2e-3, batchSize: 64 } as const;

/** What policies may use: the record, a logger, the process registry, and the Claude connection when configured. */
export interface PolicyDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Present when an Anthropic API key is configured on this worker. */
  readonly claude?: { readonly apiKey: string; readonly baseUrl?: string };
}

/** The policies a worker offers: the baseline always; others when configured (an API key for claude). */
export function createPolicies(_deps: PolicyDeps): Partial<Record<PolicyName, ResearcherPolicy>> {
  return { baseline: createBaselinePolicy(TRAINER_DEFAULTS) };
}
