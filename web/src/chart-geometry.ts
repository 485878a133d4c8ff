/**
 * The arithmetic of the dashboard's charts: scales, tick values, path strings. Pure (no DOM), so
 * it is unit-tested under Node.
 */

export interface Scale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly ticks: readonly number[];
}

/** Colours for series, distinguishable and readable on white. */
export const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#059669',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#be185d',
  '#4d7c0f',
];
export const colorOf = (index: number): string => PALETTE[index % PALETTE.length]!;

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 times a power of ten). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toFixed(12)) || 0);
  return ticks;
}

/** A linear map of `domain` onto `range` (pixels), with ticks. */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
  tickCount = 5,
  ticks?: readonly number[],
): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  const scale = ((value: number) => r0 + ((value - d0) / span) * (r1 - r0)) as Scale;
  return Object.assign(scale, { domain, ticks: ticks ?? niceTicks(d0, d1, tickCount) });
}

/** A PGR axis: always holds 0, padded to the next tenth around the values. */
export function pgrDomain(values: readonly number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  const low = Math.min(0, ...finite);
  const high = Math.max(0.1, ...finite);
  return [Math.floor(low * 10) / 10, Math.ceil(high * 10) / 10];
}

/** A value axis from data, padded by 5 % (a flat series gets a unit span). */
export function paddedDomain(values: readonly number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  if (low === high) return [low - 0.5, high + 0.5];
  const pad = (high - low) * 0.05;
  return [low - pad, high + pad];
}

/**
 * Round time ticks (10, 15, 30 seconds; 1, 2, 5, 10, 15, 30 minutes; 1, 2, 3, 6, 12 hours; days)
 * across [start, end] ms.
 */
export function timeTicks(startMs: number, endMs: number, count = 5): number[] {
  const minute = 60_000;
  const steps = [1 / 6, 1 / 4, 1 / 2, 1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10_080].map(
    (m) => m * minute,
  );
  const raw = (endMs - startMs) / Math.max(1, count);
  const step = steps.find((s) => s >= raw) ?? steps.at(-1)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(startMs / step) * step; t <= endMs; t += step) ticks.push(t);
  return ticks;
}

/** An SVG path through points, in order: `M x y L x y ...` (two decimals). */
export function pathOf(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(2)} ${p.y.toFixed(2)}`).join(' ');
}

/** Each point's running best (the max so far), for a "best so far" step line. */
export function runningBest(values: readonly number[]): number[] {
  let best = Number.NEGATIVE_INFINITY;
  return values.map((v) => {
    best = Math.max(best, v);
    return best;
  });
}
