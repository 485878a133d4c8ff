import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EvalTestServer, startEvalServer } from './helpers/eval-server.js';
import { assertNoLabelLeak } from './helpers/leak-check.js';
import { changeRows, predictions, type SyntheticTask, syntheticTask } from './helpers/synthetic-task.js';

let server: EvalTestServer;
let task: SyntheticTask;
let n = 0;

const submit = (token: string, experimentId: string, probabilities: number[][]) =>
  server.client.submit(token, {
    experimentId,
    idempotencyKey: `p-${++n}`,
    seeds: [{ seed: 0, probabilities }],
  });
const probeViolations = async (agentId: string) =>
  (await server.client.request('GET', `/v1/admin/violations?campaignId=c1&agentId=${agentId}&kind=probe`))
    .body.violations;

/** An agent with a token and one registered one-seed experiment. */
async function agent(agentId: string): Promise<{ token: string; experimentId: string }> {
  const token = await server.client.agentToken('c1', agentId);
  await server.client.register(`exp-${agentId}`, { campaignId: 'c1', agentId, taskId: 'mnist1d', seeds: 1 });
  return { token, experimentId: `exp-${agentId}` };
}

before(async () => {
  server = await startEvalServer({ probeFraction: 0.01 });
  task = syntheticTask({ testSize: 1000, seed: 41 });
  await server.client.loadTask('mnist1d', task);
});

after(async () => {
  await server.close();
});

test('a submission that changes a few predictions of an earlier one is flagged for operators', async () => {
  const { token, experimentId } = await agent('p1');
  const base = predictions(task.labels, 10, 0.8, 1);
  const first = await submit(token, experimentId, base);
  const probe = await submit(token, experimentId, changeRows(base, [10, 20, 30], 10));
  assert.equal(probe.status, 201);
  assert.deepEqual(
    Object.keys(probe.body).sort(),
    Object.keys(first.body).sort(),
    'the agent is told nothing',
  );
  const [flag] = await probeViolations('p1');
  assert.equal(flag.submissionId, probe.body.submissionId);
  assert.deepEqual(flag.detail, { nearestSubmissionId: first.body.submissionId, changedRows: 3 });
  const admin = await server.client.request('GET', `/v1/admin/submissions/${probe.body.submissionId}`);
  assert.deepEqual(admin.body.probe, {
    nearestSubmissionId: first.body.submissionId,
    changedRows: 3,
    limit: 10,
  });
});

test('a probe flag is in the audit log and the metrics', async () => {
  const entries = (await server.client.request('GET', '/v1/admin/audit?limit=1000')).body.entries;
  const flagged = entries.filter((e: { entry: { detail: { probeOf?: string } } }) => e.entry.detail.probeOf);
  assert.equal(flagged.length, 1);
  assert.equal(flagged[0].entry.detail.probeChangedRows, 3);
  const metrics = await server.client.request('GET', '/metrics', { token: null });
  assert.match(metrics.text, /aar_eval_probe_flags_total 1/);
});

test('an identical resubmission or a different model is not flagged', async () => {
  const { token, experimentId } = await agent('p2');
  const base = predictions(task.labels, 10, 0.8, 2);
  await submit(token, experimentId, base);
  await submit(token, experimentId, base);
  await submit(token, experimentId, predictions(task.labels, 10, 0.8, 3));
  assert.deepEqual(await probeViolations('p2'), []);
});

test('changing more rows than the limit is not flagged', async () => {
  const { token, experimentId } = await agent('p3');
  const base = predictions(task.labels, 10, 0.8, 4);
  await submit(token, experimentId, base);
  await submit(
    token,
    experimentId,
    changeRows(
      base,
      Array.from({ length: 11 }, (_, i) => i * 7),
      10,
    ),
  );
  assert.deepEqual(await probeViolations('p3'), []);
});

test("another agent's near copy is not flagged as a probe of this agent", async () => {
  const one = await agent('p4');
  const two = await agent('p5');
  const base = predictions(task.labels, 10, 0.8, 5);
  await submit(one.token, one.experimentId, base);
  await submit(two.token, two.experimentId, changeRows(base, [1], 10));
  assert.deepEqual(await probeViolations('p5'), []);
});

test('no response body or log line of this file contains the test labels', async () => {
  await assertNoLabelLeak(server, ['mnist1d']);
});
