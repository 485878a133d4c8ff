import { type Static, Type } from 'typebox';
import { Interval, MAX_SEEDS, TaskId } from './common.js';
import { SeedScore, SubmissionSeed } from './submissions.js';

export const ArmName = Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' });

/** Body of `POST /v1/admin/comparisons`: arms run on the same seeds, one of them the candidate. */
export const ComparisonRequest = Type.Object(
  {
    taskId: TaskId,
    split: Type.Enum(['public', 'private', 'all'], {
      description:
        'Which test examples: the private half (promotion), the public half, or all (a held-out task).',
    }),
    candidate: ArmName,
    arms: Type.Record(
      ArmName,
      Type.Object(
        { seeds: Type.Array(SubmissionSeed, { minItems: 1, maxItems: MAX_SEEDS }) },
        { additionalProperties: false },
      ),
      { minProperties: 2, maxProperties: 6 },
    ),
    replicates: Type.Integer({ minimum: 100, maximum: 10_000, default: 1000 }),
  },
  { additionalProperties: false },
);
export type ComparisonRequest = Static<typeof ComparisonRequest>;

/** One arm's scores on the split: per seed and the means. */
export const ArmScore = Type.Object({
  meanAccuracy: Type.Number(),
  meanPgr: Type.Number(),
  perSeed: Type.Array(SeedScore),
});
export type ArmScore = Static<typeof ArmScore>;

/** The candidate against one other arm: accuracy and PGR differences, intervals, one-sided p. */
export const PairedComparison = Type.Object({
  accuracyDifference: Type.Number(),
  pgrDifference: Type.Number(),
  accuracyInterval: Interval,
  pgrInterval: Interval,
  pValue: Type.Number(),
  replicates: Type.Integer(),
});
export type PairedComparison = Static<typeof PairedComparison>;

/** The answer to a comparison: each arm's scores and the candidate against each other arm. */
export const ComparisonResult = Type.Object({
  taskId: Type.String(),
  split: Type.String(),
  examples: Type.Integer(),
  seeds: Type.Array(Type.Integer()),
  weakAccuracy: Type.Number(),
  ceilingAccuracy: Type.Number(),
  arms: Type.Record(Type.String(), ArmScore),
  comparisons: Type.Record(Type.String(), PairedComparison),
});
export type ComparisonResult = Static<typeof ComparisonResult>;
