import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ExperimentSpec, withRunWallLimit } from '../../core/experiment-spec.js';

const SPEC = {
  specVersion: 1,
  task: 'mnist1d',
  loss: { kind: 'xent' },
  training: { epochs: 1, learningRate: 0.01, batchSize: 8 },
} as unknown as ExperimentSpec;

test("a campaign's per-run wall-clock limit lowers a spec's own and never raises it", () => {
  assert.equal(withRunWallLimit(SPEC, undefined), SPEC);
  assert.equal(withRunWallLimit(SPEC, 600).resources?.maxWallSeconds, 600);
  const own = { ...SPEC, resources: { gpus: 2, maxWallSeconds: 300 } } as ExperimentSpec;
  assert.deepEqual(withRunWallLimit(own, 600).resources, { gpus: 2, maxWallSeconds: 300 });
  assert.deepEqual(withRunWallLimit(own, 120).resources, { gpus: 2, maxWallSeconds: 120 });
});
