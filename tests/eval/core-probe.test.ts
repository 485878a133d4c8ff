import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countChanged, findProbe, probeLimit } from '../../core/probe.js';

test('countChanged counts differing rows', () => {
  assert.equal(countChanged([1, 2, 3, 4], [1, 0, 3, 0], 10), 2);
  assert.equal(countChanged([1, 2], [1, 2], 10), 0);
});

test('countChanged stops counting one past the limit', () => {
  assert.equal(countChanged([1, 1, 1, 1, 1], [0, 0, 0, 0, 0], 2), 3);
});

test('probeLimit is a fraction of the test set and at least one row', () => {
  assert.equal(probeLimit(10_000, 0.01), 100);
  assert.equal(probeLimit(50, 0.01), 1);
});

test('a submission that changes a few rows of an earlier one is a probe of it', () => {
  const earlier = Uint16Array.from({ length: 100 }, (_, i) => i % 10);
  const probe = Uint16Array.from(earlier);
  probe[3] = 9;
  probe[50] = 1;
  assert.deepEqual(findProbe([probe], [{ submissionId: 'a', classesBySeed: [earlier] }], 5), {
    submissionId: 'a',
    changed: 2,
  });
});

test('an identical or a very different submission is not a probe', () => {
  const earlier = Uint16Array.from({ length: 100 }, (_, i) => i % 10);
  const different = Uint16Array.from({ length: 100 }, (_, i) => (i + 1) % 10);
  assert.equal(findProbe([earlier], [{ submissionId: 'a', classesBySeed: [earlier] }], 5), null);
  assert.equal(findProbe([different], [{ submissionId: 'a', classesBySeed: [earlier] }], 5), null);
});

test('the nearest of several earlier submissions is reported, across seeds', () => {
  const base = Uint16Array.from({ length: 40 }, (_, i) => i % 4);
  const three = Uint16Array.from(base);
  three[0] = 3;
  three[1] = 3;
  three[2] = 3;
  const one = Uint16Array.from(base);
  one[5] = 0;
  const priors = [
    { submissionId: 'far', classesBySeed: [three] },
    { submissionId: 'near', classesBySeed: [Uint16Array.from({ length: 40 }), one] },
  ];
  assert.deepEqual(findProbe([base], priors, 4), { submissionId: 'near', changed: 1 });
});
