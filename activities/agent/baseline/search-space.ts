import type { ExperimentSpec, LossKind } from '../../../core/experiment-spec.js';

/** A point of the method space: an experiment spec without its seed (the workflow sets seeds). */
export type MethodPoint = Omit<ExperimentSpec, 'seed' | 'hook'>;

/** The research directions the baseline knows; an agent's free-text direction maps onto one. */
export const FOCI = ['logconf', 'filter', 'early-stopping', 'product', 'xent', 'tuning'] as const;
export type Focus = (typeof FOCI)[number];

export const LIMITS = {
  learningRate: [1e-4, 3e-2],
  epochs: [3, 40],
  batchSizes: [32, 64, 128, 256],
  weightDecays: [0, 1e-4, 1e-3, 1e-2],
  auxWeight: [0.05, 1],
  warmupFraction: [0, 0.6],
  threshold: [0.2, 0.95],
  patience: [1, 8],
} as const;

/** The trainer's reference configuration: naive W2S (cross-entropy on weak soft labels). */
export function naivePoint(
  task: string,
  base: { epochs: number; learningRate: number; batchSize: number },
): MethodPoint {
  return {
    specVersion: 1,
    task,
    loss: { kind: 'xent' },
    training: {
      epochs: base.epochs,
      learningRate: base.learningRate,
      batchSize: base.batchSize,
      weightDecay: 0,
    },
  };
}

/** The first experiment of an agent with this focus: the naive point with the focus's method switched on. */
export function startingPoint(naive: MethodPoint, focus: Focus): MethodPoint {
  switch (focus) {
    case 'logconf':
      return { ...naive, loss: { kind: 'logconf', auxWeight: 0.5, warmupFraction: 0.2 } };
    case 'product':
      return { ...naive, loss: { kind: 'product' } };
    case 'filter':
      return { ...naive, filter: { confidenceThreshold: 0.6 } };
    case 'early-stopping':
      return { ...naive, earlyStopping: { patience: 3, validationFraction: 0.1 } };
    case 'tuning':
      return { ...naive, training: { ...naive.training, weightDecay: 1e-3 } };
    case 'xent':
      return naive;
  }
}

/** Which focus a free-text direction (or operator message) names, if any; first match wins. */
export function focusOf(text: string): Focus | null {
  const t = text.toLowerCase();
  const rules: [RegExp, Focus][] = [
    [/logconf|confidence loss|auxiliary|aux(iliary)? conf/, 'logconf'],
    [/filter|threshold|confident label|prun/, 'filter'],
    [/early.?stop|patience/, 'early-stopping'],
    [/product/, 'product'],
    [/learning rate|lr\b|weight decay|regulari|epoch|batch|tun/, 'tuning'],
    [/cross.?entropy|xent|naive|baseline/, 'xent'],
  ];
  return rules.find(([re]) => re.test(t))?.[1] ?? null;
}

/** The method fields one agent may take from another's spec, field by field; nothing else is copied. */
const METHOD_FIELDS = {
  loss: ['kind', 'auxWeight', 'warmupFraction'],
  filter: ['confidenceThreshold'],
  earlyStopping: ['patience', 'validationFraction'],
  training: ['epochs', 'learningRate', 'batchSize', 'weightDecay'],
} as const;

/**
 * The method of a spec to build on, copied through an allow-list (loss and its parameters,
 * filter, early stopping, training settings) onto this agent's task. Agent code (`hook`), the
 * model, resources and anything not listed stay with the spec's author: code written by one
 * agent never runs under another's identity and budget.
 */
export function methodOf(spec: unknown, task: string): MethodPoint | undefined {
  const from = (spec ?? {}) as Record<string, unknown>;
  const section = (name: keyof typeof METHOD_FIELDS) => {
    const value = from[name];
    if (value === null || typeof value !== 'object') return undefined;
    const picked = Object.fromEntries(
      METHOD_FIELDS[name].flatMap((k) => {
        const v = (value as Record<string, unknown>)[k];
        return v === undefined ? [] : [[k, v]];
      }),
    );
    return Object.keys(picked).length > 0 ? picked : undefined;
  };
  const loss = section('loss');
  const training = section('training');
  if (loss === undefined || training === undefined) return undefined;
  const filter = section('filter');
  const earlyStopping = section('earlyStopping');
  return {
    specVersion: 1,
    task,
    loss,
    training,
    ...(filter ? { filter } : {}),
    ...(earlyStopping ? { earlyStopping } : {}),
  } as MethodPoint;
}

/** A canonical string of a point, to recognise a configuration already tried. */
export function canonical(point: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sort(x)]),
          )
        : v;
  const { seed: _seed, ...rest } = (point ?? {}) as Record<string, unknown>;
  return JSON.stringify(sort(rest));
}

/** A short human description: `logconf(aux 0.50, warmup 0.20), filter ≥0.60, lr 1.0e-3, 20 ep, bs 64`. */
export function describePoint(p: MethodPoint): string {
  const loss: LossKind = p.loss.kind;
  const parts = [
    loss === 'logconf'
      ? `logconf(aux ${(p.loss.auxWeight ?? 0.5).toFixed(2)}, warmup ${(p.loss.warmupFraction ?? 0.2).toFixed(2)})`
      : loss,
  ];
  if (p.filter) parts.push(`filter ≥${p.filter.confidenceThreshold.toFixed(2)}`);
  if (p.earlyStopping) parts.push(`early stop (patience ${p.earlyStopping.patience})`);
  parts.push(
    `lr ${p.training.learningRate.toExponential(1)}`,
    `${p.training.epochs} ep`,
    `bs ${p.training.batchSize}`,
  );
  if (p.training.weightDecay) parts.push(`wd ${p.training.weightDecay}`);
  return parts.join(', ');
}
