import { type Focus, LIMITS, type MethodPoint } from './search-space.js';

type Random = () => number;

/** One change to a point and the words that say what changed. */
export interface Move {
  readonly point: MethodPoint;
  readonly change: string;
}

const clamp = (x: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, x));
const gaussian = (rng: Random) => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
const round = (x: number, step: number) => Math.round(x / step) * step;
const sig2 = (x: number) => Number(x.toPrecision(2));
const pick = <T>(rng: Random, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

/** Moves along one dimension each; the search combines one or two. */
const MOVES: Record<string, { foci: readonly Focus[]; apply(p: MethodPoint, rng: Random): Move }> = {
  learningRate: {
    foci: ['tuning', 'xent'],
    apply(p, rng) {
      const lr = sig2(clamp(p.training.learningRate * Math.exp(0.6 * gaussian(rng)), LIMITS.learningRate));
      return {
        point: { ...p, training: { ...p.training, learningRate: lr } },
        change: `learning rate ${p.training.learningRate.toExponential(1)} → ${lr.toExponential(1)}`,
      };
    },
  },
  epochs: {
    foci: ['tuning', 'early-stopping'],
    apply(p, rng) {
      const delta = Math.max(1, Math.round(p.training.epochs * 0.3 * Math.abs(gaussian(rng))));
      const epochs = clamp(p.training.epochs + (rng() < 0.5 ? -delta : delta), LIMITS.epochs);
      return {
        point: { ...p, training: { ...p.training, epochs } },
        change: `epochs ${p.training.epochs} → ${epochs}`,
      };
    },
  },
  batchSize: {
    foci: ['tuning'],
    apply(p, rng) {
      const batchSize = pick(
        rng,
        LIMITS.batchSizes.filter((b) => b !== p.training.batchSize),
      );
      return {
        point: { ...p, training: { ...p.training, batchSize } },
        change: `batch size ${p.training.batchSize} → ${batchSize}`,
      };
    },
  },
  weightDecay: {
    foci: ['tuning'],
    apply(p, rng) {
      const weightDecay = pick(
        rng,
        LIMITS.weightDecays.filter((w) => w !== (p.training.weightDecay ?? 0)),
      );
      return {
        point: { ...p, training: { ...p.training, weightDecay } },
        change: `weight decay ${p.training.weightDecay ?? 0} → ${weightDecay}`,
      };
    },
  },
  lossKind: {
    foci: ['logconf', 'product', 'xent'],
    apply(p, rng) {
      const kind = pick(
        rng,
        (['xent', 'logconf', 'product'] as const).filter((k) => k !== p.loss.kind),
      );
      const loss = kind === 'logconf' ? { kind, auxWeight: 0.5, warmupFraction: 0.2 } : { kind };
      return { point: { ...p, loss }, change: `loss ${p.loss.kind} → ${kind}` };
    },
  },
  auxWeight: {
    foci: ['logconf'],
    apply(p, rng) {
      const before = p.loss.auxWeight ?? 0.5;
      const auxWeight = round(clamp(before + 0.2 * gaussian(rng), LIMITS.auxWeight), 0.05);
      const base = p.loss.kind === 'logconf' ? p.loss : { kind: 'logconf' as const, warmupFraction: 0.2 };
      return {
        point: { ...p, loss: { ...base, auxWeight } },
        change: `logconf aux weight ${before.toFixed(2)} → ${auxWeight.toFixed(2)}`,
      };
    },
  },
  warmupFraction: {
    foci: ['logconf'],
    apply(p, rng) {
      const before = p.loss.warmupFraction ?? 0.2;
      const warmupFraction = round(clamp(before + 0.15 * gaussian(rng), LIMITS.warmupFraction), 0.05);
      const base = p.loss.kind === 'logconf' ? p.loss : { kind: 'logconf' as const, auxWeight: 0.5 };
      return {
        point: { ...p, loss: { ...base, warmupFraction } },
        change: `logconf warmup ${before.toFixed(2)} → ${warmupFraction.toFixed(2)}`,
      };
    },
  },
  threshold: {
    foci: ['filter'],
    apply(p, rng) {
      if (p.filter && rng() < 0.2) {
        const { filter: _off, ...rest } = p;
        return { point: rest, change: `confidence filter ${p.filter.confidenceThreshold.toFixed(2)} → off` };
      }
      const before = p.filter?.confidenceThreshold;
      const confidenceThreshold = round(
        clamp((before ?? 0.6) + 0.12 * gaussian(rng), LIMITS.threshold),
        0.05,
      );
      return {
        point: { ...p, filter: { confidenceThreshold } },
        change: `confidence filter ${before === undefined ? 'off' : before.toFixed(2)} → ${confidenceThreshold.toFixed(2)}`,
      };
    },
  },
  earlyStopping: {
    foci: ['early-stopping'],
    apply(p, rng) {
      if (p.earlyStopping && rng() < 0.3) {
        const { earlyStopping: _off, ...rest } = p;
        return { point: rest, change: 'early stopping → off' };
      }
      const before = p.earlyStopping?.patience;
      const patience = clamp((before ?? 3) + (rng() < 0.5 ? -1 : 1), LIMITS.patience);
      return {
        point: {
          ...p,
          earlyStopping: { patience, validationFraction: p.earlyStopping?.validationFraction ?? 0.1 },
        },
        change: `early stopping patience ${before ?? 'off'} → ${patience}`,
      };
    },
  },
};

/**
 * Perturbs one or two dimensions of `point`, preferring those of the agent's focus (three times
 * as likely), so each agent searches around its own direction but can leave it.
 */
export function mutate(point: MethodPoint, rng: Random, focus: Focus): Move {
  const names = Object.keys(MOVES);
  const weights = names.map((n) => (MOVES[n]!.foci.includes(focus) ? 3 : 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const choose = () => {
    let r = rng() * total;
    for (let i = 0; i < names.length; i++) {
      r -= weights[i]!;
      if (r < 0) return names[i]!;
    }
    return names[names.length - 1]!;
  };
  const first = MOVES[choose()]!.apply(point, rng);
  if (rng() < 0.6) return first;
  const second = MOVES[choose()]!.apply(first.point, rng);
  return { point: second.point, change: `${first.change}; ${second.change}` };
}

/** A random point of the whole space (exploration), kept in the agent's focus half of the time. */
export function randomPoint(base: MethodPoint, rng: Random, focus: Focus): Move {
  let point = base;
  const changes: string[] = [];
  const steps = 2 + Math.floor(rng() * 3);
  for (let i = 0; i < steps; i++) {
    const move = mutate(point, rng, rng() < 0.5 ? focus : 'tuning');
    point = move.point;
    changes.push(move.change);
  }
  return { point, change: changes.join('; ') };
}
