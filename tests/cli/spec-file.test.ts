import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldOf, formatProblem, readCampaignSpec } from '../../cli/spec-file.js';

const VALID = `apiVersion: aar/v1
name: spec test
task: mnist1d
seedsPerExperiment: 2
agents:
  - id: agent-1
    policy: baseline
    direction: auxiliary confidence loss
  - id: agent-2
budgets:
  perAgent:
    experiments: 3
`;

const problemsOf = (text: string) => {
  const reading = readCampaignSpec(text);
  assert.equal(reading.ok, false, 'the spec should be refused');
  return reading.ok ? [] : reading.problems.map((p) => formatProblem('c.yaml', p));
};

test('reads a valid YAML spec and fills in the defaults', () => {
  const reading = readCampaignSpec(VALID);
  assert.ok(reading.ok);
  assert.equal(reading.spec.agents[1]!.policy, 'baseline');
  assert.equal(reading.spec.executor, 'local');
  assert.equal(reading.spec.maxRunAttempts, 3);
});

test('reads a JSON spec too', () => {
  const reading = readCampaignSpec(
    JSON.stringify({ apiVersion: 'aar/v1', name: 'j', task: 'mnist1d', agents: [{ id: 'a' }] }),
  );
  assert.ok(reading.ok);
});

test('names the line, column and field of a value outside its allowed set', () => {
  assert.deepEqual(problemsOf(VALID.replace('policy: baseline', 'policy: gpt')), [
    'c.yaml:7:13: agents[0].policy: must be one of baseline, claude',
  ]);
});

test('points at the key of an unknown field', () => {
  assert.deepEqual(problemsOf(VALID.replace('  perAgent:', '  perAgnet:')), [
    'c.yaml:11:3: budgets.perAgnet: unknown field (remove it or check its spelling)',
  ]);
});

test('reports every problem at once, in line order', () => {
  const text = VALID.replace('apiVersion: aar/v1', 'apiVersion: aar/v2')
    .replace('seedsPerExperiment: 2', 'seedsPerExperiment: two')
    .replace('experiments: 3', 'experiments: -1');
  assert.deepEqual(problemsOf(text), [
    'c.yaml:1:13: apiVersion: must be "aar/v1"',
    'c.yaml:4:21: seedsPerExperiment: must be an integer',
    'c.yaml:12:18: budgets.perAgent.experiments: must be >= 0',
  ]);
});

test('places a missing required field at the mapping that lacks it', () => {
  assert.deepEqual(problemsOf(VALID.replace('  - id: agent-2\n', '  - policy: claude\n')), [
    "c.yaml:9:5: agents[1]: missing required field 'id'",
  ]);
});

test('explains a pattern with the field description', () => {
  const [problem] = problemsOf(VALID.replace('id: agent-2', 'id: Agent Two'));
  assert.match(
    problem!,
    /^c\.yaml:9:9: agents\[1\]\.id: does not match .*lower-case letters, digits and dashes/,
  );
});

test('reports a duplicate agent id at the second one', () => {
  assert.deepEqual(problemsOf(VALID.replace('id: agent-2', 'id: agent-1')), [
    "c.yaml:9:9: agents[1].id: duplicate agent id 'agent-1' (also agents[0])",
  ]);
});

test('reports YAML syntax errors with their line', () => {
  const [problem] = problemsOf('apiVersion: aar/v1\nname: [unclosed\ntask: mnist1d\n');
  assert.match(problem!, /^c\.yaml:\d+:\d+: YAML: /);
});

test('refuses a document that is not a mapping', () => {
  assert.deepEqual(problemsOf('- just\n- a list\n'), [
    'c.yaml:1:1: a campaign spec is a mapping (apiVersion, name, task, agents, ...)',
  ]);
});

test('writes JSON pointers as the fields an operator typed', () => {
  assert.equal(fieldOf('/agents/1/settings/model'), 'agents[1].settings.model');
  assert.equal(fieldOf(''), '');
});
