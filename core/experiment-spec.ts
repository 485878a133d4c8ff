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

/** Model families of text tasks; `hf-causal-lm` is a Hugging Face causal LM read from a mounted path. */
export const MODEL_FAMILIES = ['hf-causal-lm'] as const;

/** LoRA adapters (through `peft`); without this object a text task's student is fine-tuned in full. */
export const LoraSpec = Type.Object(
  {
    r: Type.Integer({ minimum: 1, maximum: 1024, description: 'Rank of the adapters.' }),
    alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 4096, default: 64 })),
    dropout: Type.Optional(Type.Number({ minimum: 0, maximum: 0.9, default: 0.05 })),
    targetModules: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$' }), {
        minItems: 1,
        maxItems: 64,
        default: ['all-linear'],
        description: 'Module names to adapt; `all-linear` means every linear layer but the output head.',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * The strong model of a text task (JSONL tasks only; the bundled tasks fix theirs). Weights are
 * read from `path`, a mounted volume, and never downloaded; the trainer refuses a path whose
 * config and tokenizer differ from the task's strong model.
 */
export const ModelSpec = Type.Object(
  {
    family: Type.Enum(MODEL_FAMILIES),
    path: Type.String({
      pattern: '^(/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}){1,16}$',
      description:
        'Absolute path of the model folder (config.json, weights, tokenizer) inside the trainer pod.',
    }),
    head: Type.Optional(
      Type.Enum(['label-token', 'classifier'] as const, {
        default: 'label-token',
        description:
          'label-token: logits of labelTokens at the last prompt token; classifier: a new linear head on the last hidden state.',
      }),
    ),
    labelTokens: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        minItems: 2,
        maxItems: 64,
        default: [' No', ' Yes'],
        description: 'One single-token string per class, in class order (label-token head).',
      }),
    ),
    maxLength: Type.Optional(Type.Integer({ minimum: 8, maximum: 32_768, default: 512 })),
    lora: Type.Optional(LoraSpec),
    gradientAccumulation: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1024,
        default: 1,
        description: 'Micro-batches per optimiser step: training.batchSize is split into this many.',
      }),
    ),
    bf16: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'Load weights in bf16 and train under bf16 autocast on GPU.',
      }),
    ),
    gradientCheckpointing: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

/** What the run's pod asks the cluster for; absent: the executor's defaults. */
export const ResourcesSpec = Type.Object(
  {
    gpus: Type.Optional(Type.Integer({ minimum: 0, maximum: 8, default: 1 })),
    gpuType: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$',
        description: 'GPU product the pod must run on, e.g. NVIDIA-H100-80GB-HBM3 (a node label value).',
      }),
    ),
    maxWallSeconds: Type.Optional(
      Type.Integer({
        minimum: 10,
        maximum: 86_400,
        description:
          "Wall-clock limit of each run in seconds; it can only lower the executor's limit. A run past it is killed and fails with kind timeout.",
      }),
    ),
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
    model: Type.Optional(ModelSpec),
    resources: Type.Optional(ResourcesSpec),
  },
  {
    $id: 'https://aar.dev/schemas/experiment-spec.json',
    title: 'ExperimentSpec',
    additionalProperties: false,
  },
);
export type ExperimentSpec = Static<typeof ExperimentSpec>;

/**
 * The spec a run is given: the campaign's wall-clock limit, when it sets one, lowers the spec's own
 * `resources.maxWallSeconds` (the executor's limit lowers both in turn); nothing here raises it.
 */
export function withRunWallLimit(spec: ExperimentSpec, campaignLimit: number | undefined): ExperimentSpec {
  if (campaignLimit === undefined) return spec;
  const own = spec.resources?.maxWallSeconds;
  return {
    ...spec,
    resources: {
      ...spec.resources,
      maxWallSeconds: own === undefined ? campaignLimit : Math.min(own, campaignLimit),
    },
  };
}
