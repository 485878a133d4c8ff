import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  linearScale,
  niceTicks,
  paddedDomain,
  pathOf,
  pgrDomain,
  runningBest,
  timeTicks,
} from '../../web/src/chart-geometry.js';

test('tick values are round steps covering the range', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-0.13, 0.42, 5), [0, 0.2, 0.4]);
  assert.deepEqual(niceTicks(-0.13, 0.42, 8), [-0.1, 0, 0.1, 0.2, 0.3, 0.4]);
  assert.deepEqual(niceTicks(3, 3), [3]);
});

test('a linear scale maps the domain onto pixels, upside down for a y axis', () => {
  const y = linearScale([0, 1], [200, 0]);
  assert.equal(y(0), 200);
  assert.equal(y(0.25), 150);
  assert.equal(y(1), 0);
});

test('a PGR axis always shows 0 and pads to the next tenth', () => {
  assert.deepEqual(pgrDomain([0.21, 0.34]), [0, 0.4]);
  assert.deepEqual(pgrDomain([-0.05, 0.12]), [-0.1, 0.2]);
  assert.deepEqual(pgrDomain([]), [0, 1]);
});

test('a value axis pads its data by 5 %, and gives a flat series a span', () => {
  assert.deepEqual(paddedDomain([0, 10]), [-0.5, 10.5]);
  assert.deepEqual(paddedDomain([2, 2]), [1.5, 2.5]);
});

test('time ticks fall on round minutes', () => {
  const start = Date.UTC(2026, 0, 1, 12, 0, 7);
  assert.deepEqual(
    timeTicks(start, start + 10 * 60_000, 5).map((t) => new Date(t).toISOString().slice(11, 16)),
    ['12:02', '12:04', '12:06', '12:08', '12:10'],
  );
});

test('a path goes through its points in order', () => {
  assert.equal(
    pathOf([
      { x: 1, y: 2 },
      { x: 3.456, y: 4 },
    ]),
    'M1.00 2.00 L3.46 4.00',
  );
});

test('the running best never goes down', () => {
  assert.deepEqual(runningBest([0.1, 0.3, 0.2, 0.4]), [0.1, 0.3, 0.3, 0.4]);
});
