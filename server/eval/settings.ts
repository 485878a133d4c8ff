import type { Config } from '../../runtime/config.js';

/** Bootstrap replicates per scored split: enough for a stable 95 % percentile interval. */
export const BOOTSTRAP_REPLICATES = 1000;
/** Earlier submissions of the same agent and task that probe detection compares against. */
export const PROBE_LOOKBACK = 25;
/** Tolerance on each probability row's sum. */
export const ROW_SUM_TOLERANCE = 1e-3;
/** Longest lifetime of a run token. */
export const RUN_TOKEN_MAX_TTL_S = 7 * 24 * 3600;
/** Lifetime of a run token minted without `ttlSeconds` (a long training run). */
export const RUN_TOKEN_DEFAULT_TTL_S = 6 * 3600;

/** What the eval server needs from the configuration, parsed once at start-up. */
export interface EvalSettings {
  /** Bearer token of operators and the orchestrator; compared in constant time, never logged. */
  readonly adminToken: string;
  readonly budgetPerHour: number;
  readonly budgetPerCampaign: number;
  readonly ladderStep: number;
  readonly probeFraction: number;
  readonly submissionBodyLimit: number;
  readonly taskBodyLimit: number;
  readonly bootstrapReplicates: number;
  /** How often the server recomputes its audit chain for the audit alerts; 0: never. */
  readonly auditVerifyIntervalMs: number;
}

/** Thrown when the eval server is started without an admin token. */
export class MissingAdminTokenError extends Error {
  constructor() {
    super(
      'AAR_EVAL_ADMIN_TOKEN is not set: the eval server refuses to start without an admin token. ' +
        'Set AAR_EVAL_ADMIN_TOKEN (at least 16 characters) or run `make dev-up`, which writes ' +
        '$AAR_STATE_DIR/secrets/eval-admin-token.',
    );
    this.name = 'MissingAdminTokenError';
  }
}

/** The eval server's settings from the parsed configuration; throws when no admin token is set. */
export function evalSettingsFrom(config: Config): EvalSettings {
  if (config.AAR_EVAL_ADMIN_TOKEN === undefined) throw new MissingAdminTokenError();
  return Object.freeze({
    adminToken: config.AAR_EVAL_ADMIN_TOKEN,
    budgetPerHour: config.AAR_EVAL_BUDGET_PER_HOUR,
    budgetPerCampaign: config.AAR_EVAL_BUDGET_PER_CAMPAIGN,
    ladderStep: config.AAR_EVAL_LADDER_STEP,
    probeFraction: config.AAR_EVAL_PROBE_FRACTION,
    submissionBodyLimit: config.AAR_EVAL_BODY_LIMIT_BYTES,
    taskBodyLimit: config.AAR_EVAL_TASK_BODY_LIMIT_BYTES,
    bootstrapReplicates: BOOTSTRAP_REPLICATES,
    auditVerifyIntervalMs: config.AAR_EVAL_AUDIT_VERIFY_INTERVAL_S * 1000,
  });
}
