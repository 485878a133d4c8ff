import { type Static, Type } from 'typebox';

/** Losses the trainer implements; `logconf` is the auxiliary confidence loss of Burns et al. 2023. */
export const LOSS_KINDS = ['xent', 'logconf', 'product'] as const;
export type LossKind = (typeof LOSS_KINDS)[number];

/** Largest agent-authored hook source the trainer accepts, in characters. */
export const HOOK_SOURCE_MAX_CHARS = 32_768;

export const TaskId = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
  description: 'Task identifier: lower-case letters, digits and dashes, at most 63 characters.',
});

export const LossSpec = Type.Object(
  {
    kind: Type.Enum(LOSS_KINDS, {
      description:
        'xent: cross-entropy on weak soft labels; logconf: auxiliary confidence loss; product: product of weak and student distributions.',
    }),
    auxWeight: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        default: 0.5,
        description: "logconf only: final weight of the student's own hardened predictions.",
      }),
    ),
    warmupFraction: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 1,
        default: 0.2,
        description: 'logconf only: fraction of training over which the weight ramps from 0 to auxWeight.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const FilterSpec = Type.Object(
  {
    confidenceThreshold: Type.Number({
      minimum: 0,
      maximum: 1,
      description: 'Keep only training examples whose weak label has max probability at least this.',
    }),
  },
  { additionalProperties: false },
);

export const EarlyStoppingSpec = Type.Object(
  {
    patience: Type.Integer({
      minimum: 1,
      maximum: 100,
      description: 'Epochs without improvement before stopping.',
    }),
    validationFraction: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 0.5,
        default: 0.1,
        description:
          'Fraction of the weakly labelled split held out to validate against weak labels (never ground truth).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const TrainingSpec = Type.Object(
  {
    epochs: Type.Integer({ minimum: 1, maximum: 200 }),
    learningRate: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    batchSize: Type.Integer({ minimum: 1, maximum: 4096 }),
    weightDecay: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0 })),
  },
  { additionalProperties: false },
);

export const HookSpec = Type.Object(
  {
    source: Type.String({
      minLength: 1,
      maxLength: HOOK_SOURCE_MAX_CHARS,
      description:
        'Python source defining `loss(logits, weak_probs, progress)`; returns a scalar tensor. Replaces the named loss.',
    }),
  },
  { additionalProperties: false },
);

/**
 * The contract between an agent's proposal and the trainer: everything one student run needs,
 * apart from the task bundle. Emitted as JSON Schema (`core/schemas/experiment-spec.schema.json`)
 * so the Python trainer validates exactly the same rules.
 */
export const ExperimentSpec = Type.Object(
  {
    specVersion: Type.Literal(1),
    task: TaskId,
    loss: LossSpec,
    filter: Type.Optional(FilterSpec),
    earlyStopping: Type.Optional(EarlyStoppingSpec),
    training: TrainingSpec,
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 0 })),
    hook: Type.Optional(HookSpec),
  },
  {
    $id: 'https://aar.dev/schemas/experiment-spec.json',
    title: 'ExperimentSpec',
    additionalProperties: false,
  },
);
export type ExperimentSpec = Static<typeof ExperimentSpec>;
