import { type Static, Type } from 'typebox';
import { ExperimentSpec, TaskId } from './experiment-spec.js';

/** Why a trainer run ended without predictions; each maps to a trainer exit code. */
export const FAILURE_KINDS = [
  'invalid_spec',
  'bundle_error',
  'hook_error',
  'nan_loss',
  'out_of_memory',
  'internal',
  'timeout',
  'resource_limit',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** Trainer exit codes: 0 success; the others say which failure, so an executor need not parse logs. */
export const TRAINER_EXIT_CODES = {
  succeeded: 0,
  internal: 1,
  invalid_spec: 2,
  hook_error: 3,
  nan_loss: 4,
  out_of_memory: 5,
  bundle_error: 6,
  timeout: 7,
  resource_limit: 8,
} as const satisfies Record<FailureKind | 'succeeded', number>;

export const CurvePoint = Type.Object(
  {
    epoch: Type.Integer({ minimum: 0 }),
    trainLoss: Type.Union([Type.Number(), Type.Null()]),
    weakValAccuracy: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
  },
  { additionalProperties: false },
);

export const RunFailure = Type.Object(
  {
    kind: Type.Enum(FAILURE_KINDS),
    message: Type.String({ maxLength: 4000 }),
    detail: Type.Optional(Type.String({ maxLength: 16_000 })),
  },
  { additionalProperties: false },
);

/**
 * What one trainer run produces. Succeeded runs carry test-set probabilities (one row per test
 * example, one column per class); nothing in it is ground truth.
 */
export const ResultBundle = Type.Object(
  {
    resultVersion: Type.Literal(1),
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed')]),
    task: TaskId,
    seed: Type.Integer({ minimum: 0 }),
    spec: Type.Union([ExperimentSpec, Type.Null()]),
    predictions: Type.Optional(Type.Array(Type.Array(Type.Number({ minimum: 0, maximum: 1 })))),
    curve: Type.Array(CurvePoint),
    weakValidationAccuracy: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
    stoppedEpoch: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    trainExamples: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    wallSeconds: Type.Number({ minimum: 0 }),
    device: Type.String({ maxLength: 200 }),
    versions: Type.Record(Type.String(), Type.String({ maxLength: 200 })),
    failure: Type.Optional(RunFailure),
    weakAgreement: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        description:
          "Share of the weakly labelled training split where the student's top class equals the weak label's: near 1, nothing was learned beyond imitation.",
      }),
    ),
    sandboxEvents: Type.Optional(
      Type.Array(
        Type.Object(
          { event: Type.String({ maxLength: 100 }), detail: Type.String({ maxLength: 500 }) },
          { additionalProperties: false },
        ),
        {
          maxItems: 50,
          description:
            'What agent-written code tried while it ran: network, processes, files outside the run folder, anything named like labels.',
        },
      ),
    ),
  },
  {
    $id: 'https://aar.dev/schemas/result-bundle.json',
    title: 'ResultBundle',
    additionalProperties: false,
  },
);
export type ResultBundle = Static<typeof ResultBundle>;
