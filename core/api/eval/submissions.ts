import { type Static, Type } from 'typebox';
import {
  AgentId,
  CampaignId,
  ExperimentId,
  Interval,
  MAX_SEEDS,
  SubmissionId,
  TaskId,
  Timestamp,
} from './common.js';

/** The client's idempotency key: printable ASCII, at most 128 characters. */
export const IdempotencyKey = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: '^[\\x21-\\x7e]+$',
  description: 'Chosen by the client, unique per agent: a retry with the same key returns the first answer.',
});

/** One seed's predictions. */
export const SubmissionSeed = Type.Object(
  {
    seed: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    probabilities: Type.Array(Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { maxItems: 32_767 }), {
      maxItems: 1_000_000,
      description:
        'One row per test example, in bundle order; one probability per class, each row summing to 1 (±0.001).',
    }),
  },
  { additionalProperties: false },
);
export type SubmissionSeed = Static<typeof SubmissionSeed>;

/** Body of `POST /v1/submissions`: test-set probabilities of each seed of one experiment. */
export const SubmissionRequest = Type.Object(
  {
    experimentId: ExperimentId,
    idempotencyKey: IdempotencyKey,
    seeds: Type.Array(SubmissionSeed, {
      minItems: 1,
      maxItems: MAX_SEEDS,
      description: 'At most the number of seeds the experiment was registered with; distinct seed numbers.',
    }),
  },
  { additionalProperties: false },
);
export type SubmissionRequest = Static<typeof SubmissionRequest>;

/** The agent's budget after a submission. */
export const BudgetView = Type.Object({
  perHour: Type.Integer(),
  perCampaign: Type.Integer(),
  remainingThisHour: Type.Integer(),
  remainingInCampaign: Type.Integer(),
});
export type BudgetView = Static<typeof BudgetView>;

/**
 * What an agent is told about a submission: the Ladder view. `reportedPgr` is the agent's best
 * public PGR on the task so far, rounded to `step`; it moves only when a submission beats it by
 * more than the step, so the exact score of a single submission is never revealed.
 */
export const SubmissionReceipt = Type.Object({
  submissionId: SubmissionId,
  experimentId: ExperimentId,
  taskId: TaskId,
  idempotencyKey: IdempotencyKey,
  submittedAt: Timestamp,
  seeds: Type.Integer({ description: 'Seeds scored.' }),
  reportedPgr: Type.Number({ description: 'Ladder-reported best public PGR of this agent on this task.' }),
  improved: Type.Boolean({ description: 'Whether this submission moved reportedPgr.' }),
  step: Type.Number({ description: 'Ladder step: the precision of reportedPgr.' }),
  budget: BudgetView,
});
export type SubmissionReceipt = Static<typeof SubmissionReceipt>;

/** Accuracy and PGR of one seed on one half. */
export const SeedScore = Type.Object({ seed: Type.Integer(), accuracy: Type.Number(), pgr: Type.Number() });
export type SeedScore = Static<typeof SeedScore>;

/** A full score on one half of the test set: per seed, mean, and a bootstrap interval. */
export const SplitScore = Type.Object({
  examples: Type.Integer(),
  weakAccuracy: Type.Number(),
  ceilingAccuracy: Type.Number(),
  perSeed: Type.Array(SeedScore),
  meanAccuracy: Type.Number(),
  meanPgr: Type.Number(),
  level: Type.Number({ description: 'Coverage of the intervals (0.95).' }),
  accuracyInterval: Interval,
  pgrInterval: Interval,
  replicates: Type.Integer(),
});
export type SplitScore = Static<typeof SplitScore>;

/** Why a submission was flagged as a probe (operators only). */
export const ProbeFlag = Type.Object({
  nearestSubmissionId: SubmissionId,
  changedRows: Type.Integer(),
  limit: Type.Integer(),
});
export type ProbeFlag = Static<typeof ProbeFlag>;

/** A submission as operators see it: the receipt, the full public score, and (on request) the private one. */
export const AdminSubmission = Type.Object({
  submissionId: SubmissionId,
  campaignId: CampaignId,
  agentId: AgentId,
  experimentId: ExperimentId,
  taskId: TaskId,
  viaAdmin: Type.Boolean(),
  submittedAt: Timestamp,
  receipt: SubmissionReceipt,
  public: SplitScore,
  private: Type.Optional(SplitScore),
  probe: Type.Union([ProbeFlag, Type.Null()]),
});
export type AdminSubmission = Static<typeof AdminSubmission>;

/** `GET /v1/submissions`: the agent's own receipts, newest first. */
export const SubmissionList = Type.Object({ submissions: Type.Array(SubmissionReceipt) });
export type SubmissionList = Static<typeof SubmissionList>;

/** `GET /v1/admin/submissions`: submissions with their full public scores, newest first. */
export const AdminSubmissionList = Type.Object({ submissions: Type.Array(AdminSubmission) });
export type AdminSubmissionList = Static<typeof AdminSubmissionList>;
