import { BOOTSTRAP_REPLICATES, type EvalSettings } from '../../server/eval/settings.js';

/**
 * The eval server's settings a test stack runs with: budgets no test reaches unless it is about
 * them, room for large submissions, no periodic audit check. `overrides` holds what a test is about.
 */
export function testEvalSettings(adminToken: string, overrides: Partial<EvalSettings> = {}): EvalSettings {
  return {
    adminToken,
    budgetPerHour: 1000,
    budgetPerCampaign: 10_000,
    ladderStep: 0.01,
    probeFraction: 0.01,
    submissionBodyLimit: 64 * 1024 * 1024,
    taskBodyLimit: 64 * 1024 * 1024,
    bootstrapReplicates: BOOTSTRAP_REPLICATES,
    auditVerifyIntervalMs: 0,
    ...overrides,
  };
}
