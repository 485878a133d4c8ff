import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argmaxRows, correctAt, meanOf, pgr } from '../../core/pgr.js';

test('argmaxRows picks the most probable class of each row', () => {
  const predicted = argmaxRows([
    [0.1, 0.7, 0.2],
    [0.5, 0.2, 0.3],
    [0, 0, 1],
  ]);
  assert.deepEqual([...predicted], [1, 0, 2]);
});

test('argmaxRows breaks ties toward the lowest class', () => {
  assert.deepEqual(
    [
      ...argmaxRows([
        [0.5, 0.5],
        [0.25, 0.25, 0.25, 0.25],
      ]),
    ],
    [0, 0],
  );
});

test('correctAt marks only the rows named by the indices', () => {
  const correct = correctAt([1, 0, 2, 2], [1, 1, 2, 0], [3, 0, 2]);
  assert.deepEqual([...correct], [0, 1, 1]);
  assert.equal(meanOf(correct), 2 / 3);
});

test('pgr is 0 at the weak accuracy and 1 at the ceiling', () => {
  assert.equal(pgr(0.6, 0.6, 0.9), 0);
  assert.equal(pgr(0.9, 0.6, 0.9), 1);
  assert.ok(Math.abs(pgr(0.75, 0.6, 0.9) - 0.5) < 1e-12);
});

test('pgr can fall below 0 and rise above 1', () => {
  assert.ok(pgr(0.5, 0.6, 0.9) < 0);
  assert.ok(pgr(0.95, 0.6, 0.9) > 1);
});

test('pgr refuses a ceiling that does not exceed the weak accuracy', () => {
  assert.throws(() => pgr(0.7, 0.8, 0.8), RangeError);
  assert.throws(() => pgr(0.7, 0.8, 0.7), RangeError);
});
