import { randomInt } from 'node:crypto';

/** The fixed split of a test set: rows scored publicly, and rows kept for promotion. */
export interface TestSplit {
  readonly publicIndices: number[];
  readonly privateIndices: number[];
}

/**
 * Splits rows 0..n-1 at random into a public half (⌊n/2⌋ rows) and a private half (the rest),
 * each sorted. The randomness is cryptographic: no one can predict which rows are private.
 */
export function splitTestSet(n: number, draw: (max: number) => number = randomInt): TestSplit {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = draw(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const half = Math.floor(n / 2);
  return {
    publicIndices: order.slice(0, half).sort((a, b) => a - b),
    privateIndices: order.slice(half).sort((a, b) => a - b),
  };
}
