import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proposeNext, writeAnalysis } from '../../activities/agent/baseline/baseline-policy.js';
import { methodOf } from '../../activities/agent/baseline/search-space.js';
import type { ProposeContext } from '../../activities/agent/policy.js';
import {
  agentText,
  assertAgentSafe,
  bestByLadder,
  findLeaks,
  leaderboardView,
  promotionVerdictPost,
  verdictWord,
} from '../../core/agent-view.js';
import { decideVerdict } from '../../core/promotion-verdict.js';

const STEP = 0.01;

test('the best experiment by the Ladder breaks ties by experiment id, not by anything finer', () => {
  const best = bestByLadder([
    { experimentId: 'e-0002', reportedPgr: 0.4, exact: 0.4049 },
    { experimentId: 'e-0001', reportedPgr: 0.4, exact: 0.3951 },
    { experimentId: 'e-0003', reportedPgr: null },
  ]);
  assert.equal(best?.experimentId, 'e-0001');
  assert.equal(bestByLadder([{ experimentId: 'e', reportedPgr: undefined }]), undefined);
});

test("the agents' leaderboard picks each agent's best by reported PGR and orders by it, then by id", () => {
  const rows = leaderboardView(
    [
      { agentId: 'agent-1', experimentId: 'c-agent-1-0001', reportedPgr: 0.3 },
      { agentId: 'agent-1', experimentId: 'c-agent-1-0000', reportedPgr: 0.3 },
      { agentId: 'agent-2', experimentId: 'c-agent-2-0000', reportedPgr: 0.3 },
      { agentId: 'agent-3', experimentId: 'c-agent-3-0000', reportedPgr: 0.52 },
    ],
    new Map([
      ['agent-1', 2],
      ['agent-2', 1],
    ]),
    STEP,
  );
  assert.deepEqual(rows, [
    { agentId: 'agent-3', experimentId: 'c-agent-3-0000', reportedPgr: 0.52, experiments: 0 },
    { agentId: 'agent-1', experimentId: 'c-agent-1-0000', reportedPgr: 0.3, experiments: 2 },
    { agentId: 'agent-2', experimentId: 'c-agent-2-0000', reportedPgr: 0.3, experiments: 1 },
  ]);
  assertAgentSafe(rows, STEP);
});

test('a promotion outcome reaches agents as a verdict word only', () => {
  assert.equal(verdictWord('verified'), 'verified');
  assert.equal(verdictWord('not_significant'), 'inconclusive');
  assert.equal(verdictWord('failed_transfer'), 'rejected');
  assert.equal(verdictWord('failed'), 'inconclusive');
  assert.equal(verdictWord('running'), null);
  const post = promotionVerdictPost('c-agent-1-0000', 'not_significant');
  assert.deepEqual(post, {
    title: 'Promotion of c-agent-1-0000: inconclusive',
    body: 'The promotion gate re-ran c-agent-1-0000 on fresh seeds. Verdict: inconclusive.',
  });
  assertAgentSafe(post, STEP);
});

test('the checker passes seeds, counts, settings, weak-label accuracy and Ladder values', () => {
  const ctx = { experimentId: 'c-agent-1-0003', agentId: 'agent-1', campaignId: 'c', hypothesis: 'h' };
  const analysis = writeAnalysis({
    ...ctx,
    spec: {
      specVersion: 1,
      task: 'mnist1d',
      loss: { kind: 'logconf', auxWeight: 0.45, warmupFraction: 0.2 },
      training: { epochs: 17, learningRate: 0.0015, batchSize: 64 },
    },
    status: 'scored',
    reportedPgr: 0.37,
    improved: true,
    step: STEP,
    bestBefore: { pgr: 0.3, experimentId: 'c-agent-1-0001' },
    weakValAccuracies: [0.8734, 0.8811],
    limits: {},
    settings: {},
  });
  assertAgentSafe(analysis, STEP);
  assertAgentSafe(
    {
      id: 'c-agent-1-0003',
      reportedPgr: 0.37,
      yourBestBefore: { pgr: 0.3 },
      ladderStep: 0.01,
      seeds: [
        { seed: 0, status: 'succeeded', weakValidationAccuracy: 0.873412 },
        { seed: 1101, status: 'succeeded', weakValidationAccuracy: 0.881133 },
      ],
      experiments: 12,
    },
    STEP,
  );
  assertAgentSafe('reported public PGR 0.450 (Ladder step 0.01); PGR 1 is the ceiling', STEP);
});

test('the checker trips on exact means, intervals, per-seed scores, private figures and p-values', () => {
  // What read_leaderboard used to return (campaignLeaderboard's rows).
  const oldBoard = [
    {
      agentId: 'agent-1',
      experimentId: 'e',
      reportedPgr: 0.41,
      pgrMean: 0.4123,
      ciLow: 0.38,
      ciHigh: 0.44,
      experiments: 2,
    },
  ];
  assert.deepEqual([...new Set(findLeaks(oldBoard, STEP).map((l) => l.kind))].sort(), [
    'exact score',
    'finer than the Ladder',
    'interval',
  ]);
  assert.ok(findLeaks({ perSeed: [{ seed: 0, accuracy: 0.81, pgr: 0.4 }] }, STEP).length > 0);
  assert.ok(findLeaks('PGR 0.4123', STEP).length > 0, 'a PGR finer than the step');
  assert.deepEqual(findLeaks('PGR 0.4123', null), [], 'unchecked before anything is scored');
  // What the promotion gate used to post to the forum.
  const { reason } = decideVerdict({
    threshold: 0.025,
    alpha: 0.05,
    candidatesTested: 2,
    vsNaive: { pgrDifference: 0.1234, pValue: 0.0012 },
    heldOutVsNaive: { pgrDifference: 0.05, pValue: 0.2 },
  });
  const kinds = new Set(findLeaks(reason, STEP).map((l) => l.kind));
  assert.ok(kinds.has('p-value') && kinds.has('private figure'), [...kinds].join());
  assert.throws(() => assertAgentSafe(reason, STEP, 'the verdict post'), /the verdict post carries/);
});

test('system text that carries a forbidden figure is withheld whole; safe text is kept', () => {
  assert.equal(agentText('runs failed: seeds 1100, 1101', STEP), 'runs failed: seeds 1100, 1101');
  assert.match(agentText('private half vs naive: +0.123 PGR, p = 0.0012', STEP), /^\(withheld/);
});

const hook = { source: 'def loss(logits, weak_probs, progress):\n    return logits.sum()\n' };

test('building on a spec copies only the allow-listed method fields', () => {
  const method = methodOf(
    {
      specVersion: 1,
      task: 'other-task',
      seed: 3,
      loss: { kind: 'logconf', auxWeight: 0.4, warmupFraction: 0.1, extra: 1 },
      filter: { confidenceThreshold: 0.7 },
      earlyStopping: { patience: 2, validationFraction: 0.2 },
      training: { epochs: 9, learningRate: 0.003, batchSize: 32, weightDecay: 0.001, momentum: 0.9 },
      hook,
      model: { family: 'hf-causal-lm', path: 'models/x' },
      resources: { gpus: 8 },
      surprise: { anything: true },
    },
    'mnist1d',
  );
  assert.deepEqual(method, {
    specVersion: 1,
    task: 'mnist1d',
    loss: { kind: 'logconf', auxWeight: 0.4, warmupFraction: 0.1 },
    filter: { confidenceThreshold: 0.7 },
    earlyStopping: { patience: 2, validationFraction: 0.2 },
    training: { epochs: 9, learningRate: 0.003, batchSize: 32, weightDecay: 0.001 },
  });
  assert.equal(methodOf({ hook }, 'mnist1d'), undefined, 'nothing to build on without loss and training');
});

test("the baseline builds on another agent's best without its hook, model or resources", () => {
  const shared = {
    experimentId: 'c-agent-2-0000',
    agentId: 'agent-2',
    status: 'scored',
    reportedPgr: 0.6,
    spec: {
      specVersion: 1,
      task: 'mnist1d',
      loss: { kind: 'xent' },
      training: { epochs: 20, learningRate: 0.002, batchSize: 64 },
      hook,
      resources: { gpus: 8 },
    },
  };
  const ctx: ProposeContext = {
    campaignId: 'c',
    agentId: 'agent-1',
    direction: 'tuning',
    seed: 1,
    taskId: 'mnist1d',
    operatorMessages: [],
    limits: {},
    settings: {},
    shared: [shared],
    own: [
      {
        experimentId: 'c-agent-1-0000',
        agentId: 'agent-1',
        status: 'scored',
        reportedPgr: 0.2,
        spec: {
          specVersion: 1,
          task: 'mnist1d',
          loss: { kind: 'xent' },
          training: { epochs: 5, learningRate: 0.002, batchSize: 64 },
        },
      },
    ],
    seq: 1,
  };
  for (let seq = 1; seq < 30; seq++) {
    const proposal = proposeNext({ ...ctx, seq }, { epochs: 20, learningRate: 2e-3, batchSize: 64 });
    const spec = proposal.spec as Record<string, unknown>;
    assert.match(proposal.hypothesis, /agent-2's best/);
    assert.equal(spec.hook, undefined);
    assert.equal(spec.resources, undefined);
  }
});

test('the checker reads a p-value inside escaped untrusted data', () => {
  assert.deepEqual(
    findLeaks('needs p \\u003c 0.025', STEP).map((l) => l.kind),
    ['p-value'],
  );
});
