import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SubmissionRequest } from '../../core/api/eval/submissions.js';
import { argmaxFlatRows, argmaxRows } from '../../core/pgr.js';
import { createRng } from '../../core/random.js';
import { Scoring } from '../../server/eval/scoring/scoring.js';
import type { IntervalInput, ParsedSubmission, ScoreInput } from '../../server/eval/scoring/scoring-tasks.js';
import { matrixPayloadSha256, payloadSha256 } from '../../server/eval/submissions/payload-hash.js';
import { type Half, scoreSubmission } from '../../server/eval/submissions/score.js';
import { toSeedMatrix } from '../../server/eval/submissions/seed-matrix.js';
import { predictionProblems } from '../../server/eval/submissions/validate-predictions.js';
import { validatorCompiler } from '../../server/http/validator.js';
import { testLogger } from '../helpers/silent-logger.js';

/**
 * The scoring workers must give, to the bit, what scoring in the calling thread gives: the same
 * payload hash, the same problems, the same exact scores and the same seeded intervals.
 */

const NUM_CLASSES = 10;
const TEST_SIZE = 600;
const REPLICATES = 1000;
const rng = createRng(2024);
const labels = Int16Array.from({ length: TEST_SIZE }, () => Math.floor(rng() * NUM_CLASSES));
const order = Array.from({ length: TEST_SIZE }, (_, i) => i).sort(() => rng() - 0.5);
const key = {
  labels,
  publicIndices: Int32Array.from(order.slice(0, TEST_SIZE / 2)),
  privateIndices: Int32Array.from(order.slice(TEST_SIZE / 2)),
  weakAccuracy: 0.55,
  ceilingAccuracy: 0.85,
};
let scoring: Scoring;

before(() => {
  scoring = Scoring.create({ logger: testLogger, size: 2 });
});

after(async () => {
  await scoring.close();
});

/** Softmax-like rows, some right, some tied, some tiny, as a trainer might write them. */
function rows(seed: number, accuracy: number): number[][] {
  const draw = createRng(seed);
  return Array.from(labels, (label) => {
    const raw = Array.from({ length: NUM_CLASSES }, () => draw() ** 4);
    if (draw() < accuracy) raw[label] = 2;
    if (draw() < 0.05) raw[(label + 1) % NUM_CLASSES] = raw[label]!;
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => v / sum);
  });
}

const request = (seeds: number[], accuracy: number): SubmissionRequest => ({
  experimentId: `exp-${seeds.join('-')}`,
  idempotencyKey: `key-${seeds.join('-')}`,
  seeds: seeds.map((seed) => ({ seed, probabilities: rows(seed * 7 + 1, accuracy) })),
});

async function parsed(body: SubmissionRequest): Promise<ParsedSubmission> {
  const read = await scoring.parse(new TextEncoder().encode(JSON.stringify(body)), 64);
  assert.equal(read.kind, 'parsed');
  return read as ParsedSubmission;
}

const scoreInput = (read: ParsedSubmission, maxSeeds: number): ScoreInput => ({
  seeds: read.seeds,
  shape: { testSize: TEST_SIZE, numClasses: NUM_CLASSES, maxSeeds },
  labels: key,
  replicates: REPLICATES,
});

for (const [seeds, accuracy] of [
  [[0], 0.7],
  [[3, 1], 0.6],
  [[5, 2, 9], 0.8],
  [[4, 8, 6, 7, 11], 0.5],
] as const) {
  test(`a worker scores ${seeds.length} seed(s) exactly as the calling thread, intervals included`, async () => {
    const body = request([...seeds], accuracy);
    const reference = scoreSubmission(
      body.seeds,
      key,
      payloadSha256(body.experimentId, body.seeds),
      REPLICATES,
    );
    const read = await parsed(body);
    assert.equal(read.payloadSha256, payloadSha256(body.experimentId, body.seeds));
    const scored = await scoring.score(scoreInput(read, seeds.length));
    assert.ok('exact' in scored, 'valid predictions');
    assert.deepEqual(scored.classesBySeed, reference.classesBySeed);
    for (const half of ['public', 'private'] as Half[]) {
      const input: IntervalInput = {
        classesBySeed: scored.classesBySeed,
        labels: key,
        half,
        payloadSha256: read.payloadSha256,
        exact: scored.exact[half],
      };
      const [now, deferred] = await Promise.all([
        scoring.intervals(input, 'now'),
        scoring.intervals(input, 'deferred'),
      ]);
      assert.deepEqual(now, deferred);
      assert.deepEqual({ ...scored.exact[half], ...now }, reference[half], `${half} half`);
    }
  });
}

test('a worker finds the same problems in invalid predictions as the calling thread', async () => {
  const body = request([1, 2, 2], 0.7);
  body.seeds[0]!.probabilities[3] = [0.5, 0.4];
  body.seeds[0]!.probabilities[7] = Array.from({ length: NUM_CLASSES }, () => 0.2);
  body.seeds[1]!.probabilities.pop();
  for (const maxSeeds of [3, 2]) {
    const read = await parsed(body);
    assert.equal(read.payloadSha256, payloadSha256(body.experimentId, body.seeds), 'ragged rows hash alike');
    const scored = await scoring.score(scoreInput(read, maxSeeds));
    assert.ok('problems' in scored);
    const reference = predictionProblems(body.seeds, {
      testSize: TEST_SIZE,
      numClasses: NUM_CLASSES,
      maxSeeds,
    });
    assert.ok(reference.length >= 4);
    assert.deepEqual(scored.problems, reference);
  }
});

test('a worker refuses bodies as the app would: too deep, empty, not JSON, poisoned, off-schema', async () => {
  const read = (text: string) => scoring.parse(new TextEncoder().encode(text), 64);
  assert.deepEqual(await read(`${'['.repeat(65)}${']'.repeat(65)}`), { kind: 'refused', reason: 'too_deep' });
  assert.deepEqual(await read(''), { kind: 'refused', reason: 'FST_ERR_CTP_EMPTY_JSON_BODY' });
  assert.deepEqual(await read('{"seeds": ['), { kind: 'refused', reason: 'FST_ERR_CTP_INVALID_JSON_BODY' });
  assert.deepEqual(await read('{"__proto__": {"x": 1}}'), {
    kind: 'refused',
    reason: 'FST_ERR_CTP_INVALID_JSON_BODY',
  });
  const offSchema =
    '{"experimentId": "e-1", "idempotencyKey": 5, "seeds": [{"seed": 1, "probabilities": [[2]]}], "taskId": "t"}';
  const invalid = await read(offSchema);
  assert.ok(invalid.kind === 'invalid');
  const validate = validatorCompiler({
    schema: SubmissionRequest,
    httpPart: 'body',
    method: 'POST',
    url: '/v1/submissions',
  }) as (value: unknown) => { error?: unknown };
  assert.deepEqual(invalid.errors, validate(JSON.parse(offSchema)).error, "the app's validator's errors");
  assert.ok(invalid.errors.length >= 3);
  assert.equal(invalid.experimentId, 'e-1', 'the audit still sees the ids it would have copied');
  assert.equal(invalid.taskId, 't');
  assert.equal(invalid.idempotencyKey, undefined, 'only strings are copied');
});

test('matrices give the argmax and the payload hash that nested rows give', () => {
  const draw = createRng(7);
  const ragged = Array.from({ length: 50 }, (_, r) =>
    Array.from({ length: r % 7 === 0 ? 3 : r % 11 === 0 ? 0 : 4 }, () => Math.round(draw() * 4) / 4),
  );
  const matrix = toSeedMatrix(4, ragged);
  assert.deepEqual(argmaxFlatRows(matrix.values, matrix.offsets), argmaxRows(ragged));
  assert.equal(
    matrixPayloadSha256('exp-x', [matrix]),
    payloadSha256('exp-x', [{ seed: 4, probabilities: ragged }]),
  );
});
