import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapAccuracyInterval, quantile } from '../../core/bootstrap.js';
import { createRng, seedFromHex } from '../../core/random.js';

function correctVector(n: number, accuracy: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  return Uint8Array.from({ length: n }, () => (rng() < accuracy ? 1 : 0));
}

test('the PRNG gives the same sequence for the same seed and another for another seed', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const first = Array.from({ length: 5 }, a);
  assert.deepEqual(first, Array.from({ length: 5 }, b));
  assert.notDeepEqual(first, Array.from({ length: 5 }, c));
  assert.ok(first.every((x) => x >= 0 && x < 1));
});

test('seedFromHex reads the first eight hex digits', () => {
  assert.equal(seedFromHex('ffffffff00'), 0xffffffff);
  assert.equal(seedFromHex('0000000a'), 10);
  assert.throws(() => seedFromHex('zz'), RangeError);
});

test('quantile interpolates between neighbours', () => {
  assert.equal(quantile([1, 2, 3, 4, 5], 0.5), 3);
  assert.equal(quantile([0, 10], 0.25), 2.5);
  assert.equal(quantile([7], 0.975), 7);
});

test('the same inputs and seed give the same interval', () => {
  const correct = [correctVector(500, 0.7, 1), correctVector(500, 0.72, 2)];
  const options = { replicates: 400, level: 0.95, seed: 99 };
  assert.deepEqual(bootstrapAccuracyInterval(correct, options), bootstrapAccuracyInterval(correct, options));
});

test('the interval brackets the observed mean accuracy', () => {
  const correct = [correctVector(2000, 0.7, 3), correctVector(2000, 0.74, 4), correctVector(2000, 0.71, 5)];
  const mean = correct.reduce((sum, c) => sum + c.reduce((a, b) => a + b, 0) / c.length, 0) / correct.length;
  const { low, high } = bootstrapAccuracyInterval(correct, { replicates: 1000, level: 0.95, seed: 7 });
  assert.ok(low < mean && mean < high, `${low} < ${mean} < ${high}`);
  assert.ok(high - low < 0.1, 'two thousand examples give a narrow interval');
});

test('a perfect submission gets a zero-width interval at 1', () => {
  const correct = [new Uint8Array(100).fill(1), new Uint8Array(100).fill(1)];
  assert.deepEqual(bootstrapAccuracyInterval(correct, { replicates: 200, level: 0.95, seed: 1 }), {
    low: 1,
    high: 1,
  });
});

test('the interval widens when seeds disagree', () => {
  const agreeing = [correctVector(1000, 0.7, 8), correctVector(1000, 0.7, 8)];
  const disagreeing = [correctVector(1000, 0.5, 9), correctVector(1000, 0.9, 10)];
  const width = (c: Uint8Array[]) => {
    const i = bootstrapAccuracyInterval(c, { replicates: 1000, level: 0.95, seed: 11 });
    return i.high - i.low;
  };
  assert.ok(width(disagreeing) > width(agreeing));
});

test('the bootstrap refuses an empty input', () => {
  assert.throws(() => bootstrapAccuracyInterval([], { replicates: 10, level: 0.95, seed: 1 }), RangeError);
});
