import assert from 'node:assert/strict';
import { test } from 'node:test';
import { budgetFractionUsed, mayStartExperiment } from '../../core/budget.js';

const usage = { experiments: 3, gpuSeconds: 1800, elapsedMs: 3_600_000 };

test('allows an experiment when no limit is set', () => {
  assert.deepEqual(mayStartExperiment(undefined, usage), { ok: true });
  assert.deepEqual(mayStartExperiment({}, usage), { ok: true });
});

test('refuses once the experiment count is reached, saying which limit', () => {
  const verdict = mayStartExperiment({ experiments: 3 }, usage);
  assert.equal(verdict.ok, false);
  assert.match(!verdict.ok ? verdict.reason : '', /experiment budget reached \(3 of 3\)/);
});

test('refuses once the GPU-hours are spent', () => {
  assert.equal(mayStartExperiment({ gpuHours: 0.5 }, usage).ok, false);
  assert.equal(mayStartExperiment({ gpuHours: 0.6 }, usage).ok, true);
});

test('refuses after the deadline', () => {
  assert.equal(mayStartExperiment({ deadlineHours: 1 }, usage).ok, false);
  assert.equal(mayStartExperiment({ deadlineHours: 2 }, usage).ok, true);
});

test('reports the tightest limit as the fraction used', () => {
  assert.equal(budgetFractionUsed({ experiments: 6, deadlineHours: 4 }, usage), 0.5);
  assert.equal(budgetFractionUsed(undefined, usage), 0);
});
