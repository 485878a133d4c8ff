import { type Static, Type } from 'typebox';
import { MAX_SEEDS } from '../settings.js';
import { TaskId } from '../shared/schemas.js';
import { SubmissionSeed } from '../submissions/schemas.js';

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

const Interval = Type.Object({ low: Type.Number(), high: Type.Number() });

export const ArmScore = Type.Object({
  meanAccuracy: Type.Number(),
  meanPgr: Type.Number(),
  perSeed: Type.Array(Type.Object({ seed: Type.Integer(), accuracy: Type.Number(), pgr: Type.Number() })),
});

export const ComparisonResult = Type.Object({
  taskId: Type.String(),
  split: Type.String(),
  examples: Type.Integer(),
  seeds: Type.Array(Type.Integer()),
  weakAccuracy: Type.Number(),
  ceilingAccuracy: Type.Number(),
  arms: Type.Record(Type.String(), ArmScore),
  /** The candidate against each other arm: accuracy and PGR differences, interval, one-sided p. */
  comparisons: Type.Record(
    Type.String(),
    Type.Object({
      accuracyDifference: Type.Number(),
      pgrDifference: Type.Number(),
      accuracyInterval: Interval,
      pgrInterval: Interval,
      pValue: Type.Number(),
      replicates: Type.Integer(),
    }),
  ),
});
export type ComparisonResult = Static<typeof ComparisonResult>;
