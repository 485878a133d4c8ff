import type { PolicyName } from '../../core/campaign-spec.js';
import { createBaselinePolicy } from './baseline/baseline-policy.js';
import type { ResearcherPolicy } from './policy.js';

/** The trainer's default training settings (trainer/README.md), the baseline's naive point. */
export const TRAINER_DEFAULTS = { epochs: 20, learningRate: 2e-3, batchSize: 64 } as const;

/** The policies a worker offers: the baseline always; others when configured (an API key for claude). */
export function createPolicies(): Partial<Record<PolicyName, ResearcherPolicy>> {
  return { baseline: createBaselinePolicy(TRAINER_DEFAULTS) };
}
