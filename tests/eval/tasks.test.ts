import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO_ROOT } from '../../runtime/config.js';
import { loadTaskFromDir, TaskFilesError } from '../../server/eval/load-task.js';
import { type EvalTestServer, startEvalServer } from './helpers/eval-server.js';
import { assertNoLabelLeak } from './helpers/leak-check.js';
import { predictions, type SyntheticTask, syntheticTask, writeTaskDir } from './helpers/synthetic-task.js';

let server: EvalTestServer;
let task: SyntheticTask;
let dir: string;
let agentToken: string;

/** Runs load-task against the test server, recording the answer for the leak scan. */
async function load(
  options: { dir?: string; taskId?: string; expiresAt?: string | null; replace?: boolean } = {},
) {
  const result = await loadTaskFromDir({
    dir,
    evalUrl: server.url,
    adminToken: server.adminToken,
    ...options,
  });
  server.client.bodies.push(JSON.stringify(result.body));
  return result as { httpStatus: number; body: any };
}

/** Runs the load-task command against the test server (asynchronously: the server shares this process). */
function loadTaskCommand(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'server/eval/load-task.ts', ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, AAR_EVAL_URL: server.url, AAR_EVAL_ADMIN_TOKEN: server.adminToken },
        timeout: 60_000,
      },
      (_error, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

before(async () => {
  server = await startEvalServer();
  task = syntheticTask({ testSize: 300, seed: 21 });
  dir = writeTaskDir(task);
  agentToken = await server.client.agentToken('c1', 'a1');
  assert.equal((await load()).httpStatus, 201);
  await server.client.register('exp-visible', {
    campaignId: 'c1',
    agentId: 'a1',
    taskId: 'mnist1d',
    seeds: 1,
  });
});

after(async () => {
  await server.close();
});

test('load-task loads a prepared directory, and a second run is a no-op', async () => {
  const first = await load({ taskId: 'fresh' });
  assert.equal(first.httpStatus, 201);
  assert.equal(first.body.status, 'created');
  assert.equal(first.body.task.testSize, 300);
  assert.equal(first.body.task.publicSize + first.body.task.privateSize, 300);
  const again = await load({ taskId: 'fresh' });
  assert.equal(again.httpStatus, 200);
  assert.equal(again.body.status, 'unchanged');
  assert.equal(again.body.task.updatedAt, first.body.task.updatedAt);
});

test('the stored split is a random half of the test set that never changes on reload', async () => {
  const split = async () =>
    (
      await server.db.pool.query('SELECT public_indices, private_indices FROM tasks WHERE id = $1', [
        'mnist1d',
      ])
    ).rows[0];
  const before = await split();
  await load();
  const after = await split();
  assert.deepEqual(after, before);
  assert.equal(before.public_indices.length, 150);
  const all = [...before.public_indices, ...before.private_indices].sort((a: number, b: number) => a - b);
  assert.deepEqual(
    all,
    Array.from({ length: 300 }, (_, i) => i),
  );
  assert.notDeepEqual(
    before.public_indices,
    Array.from({ length: 150 }, (_, i) => i),
    'not the first half',
  );
});

test('load-task refuses different labels under the same id with 409 unless replace is set', async () => {
  const other = syntheticTask({ testSize: 300, seed: 22 });
  const otherDir = writeTaskDir(other);
  const refused = await load({ dir: otherDir, taskId: 'mnist1d' });
  assert.equal(refused.httpStatus, 409);
  assert.equal(refused.body.error.code, 'task_conflict');
  assert.match(refused.body.error.message, /replace: true \(load-task --replace\)/);
  const replaced = await load({ dir: otherDir, taskId: 'mnist1d', replace: true });
  assert.equal(replaced.body.status, 'replaced');
  assert.equal((await load({ replace: true })).body.status, 'replaced', 'and back');
});

test('a task with scored submissions cannot be replaced', async () => {
  assert.equal((await load({ taskId: 'scored' })).httpStatus, 201);
  await server.client.register('exp-scored', { campaignId: 'c1', agentId: 'a1', taskId: 'scored', seeds: 1 });
  const submitted = await server.client.submit(agentToken, {
    experimentId: 'exp-scored',
    idempotencyKey: 'scored-1',
    seeds: [{ seed: 0, probabilities: predictions(task.labels, 10, 0.8, 1) }],
  });
  assert.equal(submitted.status, 201);
  const res = await load({
    dir: writeTaskDir(syntheticTask({ testSize: 300, seed: 23 })),
    taskId: 'scored',
    replace: true,
  });
  assert.equal(res.httpStatus, 409);
  assert.match(res.body.error.message, /1 submissions scored against its labels/);
});

test('load-task refuses a bundle whose sha256 differs from the label store, before sending', async () => {
  const broken = writeTaskDir(task);
  writeFileSync(join(broken, 'bundle.npz'), Buffer.from('something else'));
  await assert.rejects(load({ dir: broken, taskId: 'broken' }), TaskFilesError);
});

test('the load route refuses a bundle whose sha256 differs from the label store with 400', async () => {
  const res = await server.client.request('PUT', '/v1/admin/tasks/broken', {
    json: { labelStore: task.labelStore, bundleBase64: Buffer.from('other').toString('base64') },
  });
  assert.equal(res.status, 400);
  assert.equal(res.body.error.code, 'bundle_mismatch');
});

test('the load route refuses a label store whose label count differs from testSize', async () => {
  const res = await server.client.request('PUT', '/v1/admin/tasks/short', {
    json: {
      labelStore: { ...task.labelStore, testLabels: task.labels.slice(1) },
      bundleBase64: task.bundle.toString('base64'),
    },
  });
  assert.equal(res.status, 400);
  assert.match(res.body.error.message, /testLabels has 299 entries but testSize is 300/);
});

test('the load route refuses a ceiling that does not exceed the weak accuracy', async () => {
  const flat = syntheticTask({ testSize: 300, seed: 21, weak: 0.7, ceiling: 0.7 });
  const res = await server.client.loadTask('flat', flat);
  assert.equal(res.status, 400);
  assert.match(res.body.error.message, /must exceed weakAccuracy.mean/);
});

test('the load route refuses a label outside the classes without echoing it', async () => {
  const labels = [...task.labels];
  labels[17] = 12;
  const res = await server.client.request('PUT', '/v1/admin/tasks/bad-label', {
    json: {
      labelStore: { ...task.labelStore, testLabels: labels },
      bundleBase64: task.bundle.toString('base64'),
    },
  });
  assert.equal(res.status, 400);
  assert.equal(res.body.error.details[0].path, '/labelStore/testLabels/17');
  assert.doesNotMatch(res.text, /12/);
});

test('the load route needs the admin token', async () => {
  const res = await server.client.request('PUT', '/v1/admin/tasks/mnist1d', {
    token: agentToken,
    json: { labelStore: task.labelStore, bundleBase64: task.bundle.toString('base64') },
  });
  assert.equal(res.status, 403);
});

test('the task summary carries sizes and accuracies but no labels and no split', async () => {
  const res = await server.client.request('GET', '/v1/tasks/mnist1d', { token: agentToken });
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(res.body).sort(), [
    'bundleBytes',
    'bundleSha256',
    'ceilingAccuracy',
    'createdAt',
    'expiresAt',
    'numClasses',
    'privateSize',
    'publicSize',
    'seeds',
    'sourceTask',
    'taskId',
    'testSize',
    'updatedAt',
    'weakAccuracy',
  ]);
});

test('an agent cannot see a task its campaign has no experiment on', async () => {
  for (const path of ['/v1/tasks/fresh', '/v1/tasks/fresh/bundle']) {
    const res = await server.client.request('GET', path, { token: agentToken });
    assert.equal(res.status, 404, path);
    assert.equal(res.body.error.code, 'task_not_found');
  }
  assert.equal((await server.client.request('GET', '/v1/tasks/fresh')).status, 200, 'the admin sees it');
});

test('the load-task command prints the outcome and exits 0', async () => {
  const run = await loadTaskCommand(['--dir', dir]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'mnist1d: unchanged\n');
});

test('the load-task command exits 1 with the server message on a conflict', async () => {
  const other = writeTaskDir(syntheticTask({ testSize: 300, seed: 99 }));
  const run = await loadTaskCommand(['--dir', other, '--task', 'mnist1d']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /load-task: 409 task mnist1d already holds a different label store/);
});

test('serves the bundle bytes to a run token minted for the task', async () => {
  const minted = await server.client.request('POST', '/v1/admin/tokens', {
    json: { role: 'run', taskId: 'mnist1d' },
  });
  assert.equal(minted.status, 201);
  const res = await server.client.request('GET', '/v1/tasks/mnist1d/bundle', { token: minted.body.token });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  assert.deepEqual(Buffer.from(res.text, 'latin1'), task.bundle);
  assert.equal(res.headers.get('x-bundle-sha256'), task.labelStore.bundleSha256);
});

test('refuses a run token the bundle of another task and every other route', async () => {
  const minted = await server.client.request('POST', '/v1/admin/tokens', {
    json: { role: 'run', taskId: 'scored' },
  });
  const token = minted.body.token;
  const other = await server.client.request('GET', '/v1/tasks/mnist1d/bundle', { token });
  assert.equal(other.status, 403);
  assert.match(other.body.error.message, /may only download the bundle of task scored/);
  assert.equal((await server.client.request('GET', '/v1/tasks/scored', { token })).status, 403);
  assert.equal(
    (await server.client.request('GET', '/v1/leaderboard?campaignId=c1&taskId=scored', { token })).status,
    403,
  );
});

test('refuses an expired run token with 401', async () => {
  const minted = await server.client.request('POST', '/v1/admin/tokens', {
    json: { role: 'run', taskId: 'mnist1d' },
  });
  await server.db.pool.query("UPDATE tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [
    minted.body.tokenId,
  ]);
  const res = await server.client.request('GET', '/v1/tasks/mnist1d/bundle', { token: minted.body.token });
  assert.equal(res.status, 401);
  assert.match(res.body.error.message, /expired/);
});

test('an unknown task answers 404 task_not_found everywhere', async () => {
  for (const path of ['/v1/tasks/nope', '/v1/tasks/nope/bundle']) {
    const res = await server.client.request('GET', path, { token: agentToken });
    assert.equal(res.status, 404, path);
    assert.equal(res.body.error.code, 'task_not_found');
  }
  const register = await server.client.request('PUT', '/v1/admin/experiments/exp-nope', {
    json: { campaignId: 'c1', agentId: 'a1', taskId: 'nope', seeds: 1, noEval: false },
  });
  assert.equal(register.status, 404);
  const run = await server.client.request('POST', '/v1/admin/tokens', {
    json: { role: 'run', taskId: 'nope' },
  });
  assert.equal(run.status, 404);
});

test('an expired task takes no submissions, serves no bundle and registers no experiments', async () => {
  assert.equal((await load({ taskId: 'old' })).httpStatus, 201);
  await server.client.register('exp-old', { campaignId: 'c1', agentId: 'a1', taskId: 'old', seeds: 1 });
  const expired = await load({ taskId: 'old', expiresAt: new Date(Date.now() - 1000).toISOString() });
  assert.equal(expired.body.status, 'updated');
  const submission = await server.client.submit(agentToken, {
    experimentId: 'exp-old',
    idempotencyKey: 'old-1',
    seeds: [{ seed: 0, probabilities: predictions(task.labels, 10, 0.8, 1) }],
  });
  assert.equal(submission.status, 410);
  assert.equal(submission.body.error.code, 'task_expired');
  const bundle = await server.client.request('GET', '/v1/tasks/old/bundle', { token: agentToken });
  assert.equal(bundle.status, 410);
  const register = await server.client.request('PUT', '/v1/admin/experiments/exp-old-2', {
    json: { campaignId: 'c1', agentId: 'a1', taskId: 'old', seeds: 1, noEval: false },
  });
  assert.equal(register.status, 410);
});

test('registering an experiment twice is idempotent, and a different registration is refused', async () => {
  const registration = { campaignId: 'c1', agentId: 'a1', taskId: 'mnist1d', seeds: 3, noEval: false };
  const first = await server.client.request('PUT', '/v1/admin/experiments/exp-twice', { json: registration });
  const again = await server.client.request('PUT', '/v1/admin/experiments/exp-twice', { json: registration });
  assert.deepEqual([first.status, again.status], [201, 200]);
  assert.deepEqual(again.body, first.body);
  const changed = await server.client.request('PUT', '/v1/admin/experiments/exp-twice', {
    json: { ...registration, agentId: 'a2', noEval: true },
  });
  assert.equal(changed.status, 409);
  assert.match(changed.body.error.message, /different agentId, noEval/);
});

test('no response, GET route or log line carries the data secret of a loaded task', async () => {
  const secret = task.labelStore.dataSecret;
  const stored = await server.db.pool.query('SELECT data_secret FROM tasks WHERE id = $1', ['mnist1d']);
  assert.equal(stored.rows[0]?.data_secret, secret, 'the secret is stored beside the labels');
  for (const path of ['/v1/tasks/mnist1d', '/v1/tasks/mnist1d/bundle']) {
    const res = await server.client.request('GET', path, { token: agentToken });
    assert.equal(res.status, 200, path);
  }
  const reload = await load();
  assert.equal(reload.httpStatus, 200);
  assert.ok(server.client.bodies.length > 0, 'the file received responses');
  for (const [i, body] of server.client.bodies.entries())
    assert.ok(!body.toLowerCase().includes(secret), `response ${i} holds the data secret`);
  for (const line of server.logLines)
    assert.ok(!line.toLowerCase().includes(secret), 'a log line holds the secret');
});

test('no response body or log line of this file contains the test labels', async () => {
  await assertNoLabelLeak(server, ['mnist1d', 'scored', 'old']);
});
