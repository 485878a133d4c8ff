import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proposeNext, writeAnalysis } from '../../activities/agent/baseline/baseline-policy.js';
import { canonical } from '../../activities/agent/baseline/search-space.js';
import type { KnownExperiment, ProposeContext } from '../../activities/agent/policy.js';
import { ExperimentSpec } from '../../core/experiment-spec.js';
import { parseWith } from '../../core/validation.js';

const defaults = { epochs: 20, learningRate: 1e-3, batchSize: 64 };
const context = (patch: Partial<ProposeContext> = {}): ProposeContext => ({
  campaignId: 'c',
  agentId: 'agent-1',
  seq: 0,
  direction: '',
  seed: 7,
  taskId: 'mnist1d',
  own: [],
  shared: [],
  operatorMessages: [],
  limits: {},
  settings: {},
  ...patch,
});

test('starts each agent in the direction it was given', () => {
  const logconf = proposeNext(context({ direction: 'auxiliary confidence loss' }), defaults);
  assert.equal((logconf.spec as ExperimentSpec).loss.kind, 'logconf');
  const filter = proposeNext(context({ direction: 'filter confident labels' }), defaults);
  assert.ok((filter.spec as ExperimentSpec).filter);
  const stop = proposeNext(context({ direction: 'early stopping on weak labels' }), defaults);
  assert.ok((stop.spec as ExperimentSpec).earlyStopping);
});

test('proposes the same experiment for the same seed and record', () => {
  const own: KnownExperiment[] = [
    {
      experimentId: 'e0',
      agentId: 'agent-1',
      spec: proposeNext(context(), defaults).spec,
      status: 'scored',
      reportedPgr: 0.3,
    },
  ];
  const a = proposeNext(context({ seq: 1, own }), defaults);
  const b = proposeNext(context({ seq: 1, own }), defaults);
  assert.deepEqual(a, b);
});

test('every proposal over a long search is a valid spec and none repeats', () => {
  const own: KnownExperiment[] = [];
  for (let seq = 0; seq < 40; seq++) {
    const proposal = proposeNext(context({ seq, own, direction: 'logconf' }), defaults);
    parseWith(ExperimentSpec, proposal.spec, 'proposal');
    assert.ok(!own.some((e) => canonical(e.spec) === canonical(proposal.spec)), `repeat at ${seq}`);
    own.push({
      experimentId: `e${seq}`,
      agentId: 'agent-1',
      spec: proposal.spec,
      status: 'scored',
      reportedPgr: (seq % 7) / 10,
    });
  }
});

test("climbs from another agent's better result shared on the forum", () => {
  const mine = proposeNext(context(), defaults).spec;
  const theirs = {
    ...(mine as ExperimentSpec),
    loss: { kind: 'product' as const },
    training: { epochs: 33, learningRate: 0.004, batchSize: 128, weightDecay: 0 },
  };
  const own: KnownExperiment[] = [
    { experimentId: 'e0', agentId: 'agent-1', spec: mine, status: 'scored', reportedPgr: 0.1 },
  ];
  const shared: KnownExperiment[] = [
    { experimentId: 'x9', agentId: 'agent-2', spec: theirs, status: 'scored', reportedPgr: 0.6 },
  ];
  const refined = Array.from({ length: 12 }, (_, seq) =>
    proposeNext(context({ seq: seq + 1, own, shared }), defaults),
  );
  assert.ok(
    refined.some((p) => p.hypothesis.includes("agent-2's best")),
    'at least one proposal refines the shared best',
  );
});

test('an operator message steers the next proposal', () => {
  const own: KnownExperiment[] = [
    {
      experimentId: 'e0',
      agentId: 'agent-1',
      spec: proposeNext(context({ direction: 'xent' }), defaults).spec,
      status: 'scored',
      reportedPgr: 0.2,
    },
  ];
  const proposal = proposeNext(
    context({
      seq: 1,
      own,
      direction: 'xent',
      operatorMessages: [{ from: 'op', text: 'please try the product loss' }],
    }),
    defaults,
  );
  assert.match(proposal.hypothesis, /Operator asked: "please try the product loss"/);
});

test('an analysis states the measured numbers', () => {
  const analysis = writeAnalysis({
    campaignId: 'c',
    agentId: 'agent-1',
    experimentId: 'c-agent-1-0003',
    hypothesis: 'h',
    spec: proposeNext(context(), defaults).spec,
    status: 'scored',
    reportedPgr: 0.43,
    improved: true,
    step: 0.01,
    bestBefore: { pgr: 0.4, experimentId: 'c-agent-1-0001' },
    weakValAccuracies: [0.7, 0.72],
    limits: {},
    settings: {},
  });
  assert.match(analysis.summary, /reported public PGR 0\.43/);
  assert.match(analysis.summary, /previous best 0\.40/);
  assert.match(analysis.summary, /71\.0 %/);
  assert.equal(analysis.post?.kind, 'result');
});
