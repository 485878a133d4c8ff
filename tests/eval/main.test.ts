import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO_ROOT } from '../../runtime/config.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const databases: TestDatabase[] = [];
const children: ChildProcess[] = [];
const noSecrets = mkdtempSync(join(tmpdir(), 'aar-eval-state-'));

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const db of databases) await db.drop();
});

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

const env = (extra: Record<string, string>) => ({
  ...process.env,
  AAR_STATE_DIR: noSecrets,
  AAR_EVAL_ADMIN_TOKEN: 'eval-admin-token-for-tests-only',
  ...extra,
});

test('the eval server refuses to start without an admin token, naming the variable', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/eval/main.ts'], {
    cwd: REPO_ROOT,
    env: env({ AAR_EVAL_ADMIN_TOKEN: '' }),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 2, run.stderr);
  assert.match(
    run.stderr,
    /AAR_EVAL_ADMIN_TOKEN is not set: the eval server refuses to start without an admin token/,
  );
});

test('the eval server refuses to start on a database whose schema is behind', async () => {
  const db = await createTestDatabase({ migrate: null });
  databases.push(db);
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/eval/main.ts'], {
    cwd: REPO_ROOT,
    env: env({ EVAL_DATABASE_URL: db.url, AAR_EVAL_PORT: String(await freePort()) }),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 1);
  assert.match(run.stdout, /eval database schema is behind this code/);
});

test('the eval server serves /healthz on its port and stops cleanly on SIGTERM', async () => {
  const db = await createTestDatabase({ migrate: 'eval' });
  databases.push(db);
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/eval/main.ts'], {
    cwd: REPO_ROOT,
    env: env({ EVAL_DATABASE_URL: db.url, AAR_EVAL_PORT: String(port), AAR_HOST: '127.0.0.1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let healthy = false;
  for (let attempt = 0; attempt < 100 && !healthy; attempt++) {
    healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (!healthy) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(healthy, 'the server answered /healthz');
  const unauthenticated = await fetch(`http://127.0.0.1:${port}/v1/submissions`);
  assert.equal(unauthenticated.status, 401);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});
