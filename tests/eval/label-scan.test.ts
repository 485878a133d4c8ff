import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findLabelRun, LEAK_RUN } from './helpers/label-scan.js';

const labels = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4];

test('the leak scan finds a run of labels written as a JSON array', () => {
  assert.notEqual(findLabelRun(`{"x":${JSON.stringify(labels.slice(2, 2 + LEAK_RUN))}}`, [labels]), null);
});

test('the leak scan finds a run of labels written as a digit string or with spaces', () => {
  assert.notEqual(findLabelRun(`id ${labels.slice(5, 5 + LEAK_RUN).join('')} end`, [labels]), null);
  assert.notEqual(findLabelRun(labels.slice(0, LEAK_RUN).join(', '), [labels]), null);
});

test('the leak scan ignores runs shorter than the threshold', () => {
  assert.equal(findLabelRun(labels.slice(0, LEAK_RUN - 1).join(','), [labels]), null);
});
