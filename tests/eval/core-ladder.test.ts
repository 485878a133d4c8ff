import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ladderUpdate, outwardToStep, roundToStep } from '../../core/ladder.js';

test('roundToStep rounds to the nearest multiple without float noise', () => {
  assert.equal(roundToStep(0.1234, 0.01), 0.12);
  assert.equal(roundToStep(0.126, 0.01), 0.13);
  assert.equal(roundToStep(0.3, 0.1), 0.3);
  assert.equal(roundToStep(-0.044, 0.01), -0.04);
});

test('the first submission reports its score rounded to the step', () => {
  assert.deepEqual(ladderUpdate(null, 0.4567, 0.01), { reported: 0.46, improved: true });
});

test('a score within one step of the reported best leaves the report unchanged', () => {
  assert.deepEqual(ladderUpdate(0.46, 0.469, 0.01), { reported: 0.46, improved: false });
  assert.deepEqual(ladderUpdate(0.46, 0.47, 0.01), { reported: 0.46, improved: false });
});

test('a lower score leaves the report unchanged', () => {
  assert.deepEqual(ladderUpdate(0.46, 0.1, 0.01), { reported: 0.46, improved: false });
});

test('a score more than one step above the best moves the report to the new rounded score', () => {
  assert.deepEqual(ladderUpdate(0.46, 0.4712, 0.01), { reported: 0.47, improved: true });
  assert.deepEqual(ladderUpdate(0.46, 0.6, 0.01), { reported: 0.6, improved: true });
});

test('probing with tiny changes never moves the report', () => {
  let reported: number | null = null;
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const outcome = ladderUpdate(reported, 0.5 + (i % 7) * 0.001, 0.01);
    reported = outcome.reported;
    seen.add(reported);
  }
  assert.deepEqual([...seen], [0.5]);
});

test('the ladder refuses a step that is not positive', () => {
  assert.throws(() => ladderUpdate(null, 0.5, 0), RangeError);
});

test('outwardToStep widens an interval to the step grid', () => {
  assert.deepEqual(outwardToStep(0.4321, 0.5012, 0.01), { low: 0.43, high: 0.51 });
  assert.deepEqual(outwardToStep(0.43, 0.5, 0.01), { low: 0.43, high: 0.5 });
});
