/**
 * Seeded randomness for everything that must be reproducible: the baseline policy's search, the
 * bootstrap intervals, the tests' kill schedules. mulberry32: fast and identical on every machine;
 * not for secrets.
 */

/** A uniform draw in [0, 1). */
export type Rng = () => number;

/** The increment of the mulberry32 state; each draw adds it once. */
export const MULBERRY_INCREMENT = 0x6d2b79f5;
export const TWO_POW_32 = 4_294_967_296;

/**
 * The mulberry32 output function: mixes a 32-bit state into a uniform 32-bit unsigned integer.
 * A pure function of the state, so hot loops keep the state in a local variable.
 */
export function mix32(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/**
 * A small seeded 32-bit PRNG (the mulberry32 recurrence): fast, deterministic across platforms,
 * and good enough for resampling. Not for secrets.
 */
export function createRng(seed: number): Rng {
  let state = seed | 0;
  return () => {
    state = (state + MULBERRY_INCREMENT) | 0;
    return mix32(state) / TWO_POW_32;
  };
}

/** A 32-bit seed from the first eight hex digits of a digest (such as a payload's sha256). */
export function seedFromHex(hex: string): number {
  const seed = Number.parseInt(hex.slice(0, 8), 16);
  if (!Number.isFinite(seed)) throw new RangeError('seedFromHex needs at least one hex digit');
  return seed >>> 0;
}

/** FNV-1a hash of the parts joined, as an unsigned 32-bit seed (for seeds derived from names). */
export function seedFrom(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
