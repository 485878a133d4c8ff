import assert from 'node:assert/strict';
import { test } from 'node:test';
import { correctedAlpha, pairedBootstrap } from '../../core/paired-bootstrap.js';
import { createRng } from '../../core/random.js';

/** A run that gets each example right with probability `p` (seeded). */
function arm(seeds: number, examples: number, p: number, seed: number): Uint8Array[] {
  const rng = createRng(seed);
  return Array.from({ length: seeds }, () =>
    Uint8Array.from({ length: examples }, () => (rng() < p ? 1 : 0)),
  );
}

const options = { replicates: 500, level: 0.95, seed: 7 };

test('finds a real improvement of a few points significant', () => {
  const result = pairedBootstrap(arm(5, 2000, 0.8, 1), arm(5, 2000, 0.75, 2), options);
  assert.ok(result.meanDifference > 0.03 && result.meanDifference < 0.07, String(result.meanDifference));
  assert.ok(result.interval.low > 0);
  assert.ok(result.pValue < 0.01);
});

test('does not find a difference between two arms of the same quality', () => {
  const result = pairedBootstrap(arm(5, 2000, 0.75, 3), arm(5, 2000, 0.75, 4), options);
  assert.ok(result.interval.low < 0 && result.interval.high > 0);
  assert.ok(result.pValue > 0.05);
});

test('is deterministic for the same seed', () => {
  const a = arm(3, 500, 0.7, 5);
  const b = arm(3, 500, 0.68, 6);
  assert.deepEqual(pairedBootstrap(a, b, options), pairedBootstrap(a, b, options));
});

test('refuses arms with different seed counts', () => {
  assert.throws(() => pairedBootstrap(arm(2, 10, 0.5, 1), arm(3, 10, 0.5, 2), options), RangeError);
});

test('divides alpha by the number of candidates tested', () => {
  assert.equal(correctedAlpha(0.05, 5), 0.01);
  assert.equal(correctedAlpha(0.05, 0), 0.05);
});
