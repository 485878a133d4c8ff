import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExperimentSpec } from '../../core/experiment-spec.js';
import { parseWith, ValidationError } from '../../core/validation.js';

const valid = {
  specVersion: 1,
  task: 'mnist1d',
  loss: { kind: 'logconf' },
  training: { epochs: 10, learningRate: 0.001, batchSize: 64 },
};

test('fills the documented defaults into a minimal spec', () => {
  const spec = parseWith(ExperimentSpec, valid, 'experiment spec');
  assert.equal(spec.loss.auxWeight, 0.5);
  assert.equal(spec.loss.warmupFraction, 0.2);
  assert.equal(spec.training.weightDecay, 0);
  assert.equal(spec.seed, 0);
});

test('names the field of every problem in an invalid spec', () => {
  const bad = {
    ...valid,
    loss: { kind: 'mse' },
    training: { epochs: 0, learningRate: 0.1, batchSize: 8 },
    extra: 1,
  };
  assert.throws(
    () => parseWith(ExperimentSpec, bad, 'experiment spec'),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      const paths = error.issues.map((i) => i.path);
      assert.ok(paths.includes('/loss/kind'), paths.join());
      assert.ok(paths.includes('/training/epochs'), paths.join());
      assert.match(error.message, /unknown field 'extra'/);
      return true;
    },
  );
});

test('does not coerce strings into numbers', () => {
  const bad = { ...valid, training: { ...valid.training, epochs: '10' } };
  assert.throws(() => parseWith(ExperimentSpec, bad, 'experiment spec'), /training\.epochs/);
});

test('rejects a hook source over the size limit', () => {
  const bad = { ...valid, hook: { source: 'x'.repeat(40_000) } };
  assert.throws(() => parseWith(ExperimentSpec, bad, 'experiment spec'), /hook\.source/);
});
