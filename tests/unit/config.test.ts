import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, defaultsTable, loadConfig, REPO_ROOT, VARIABLES } from '../../runtime/config.js';

test('parses an empty environment into documented defaults', () => {
  const config = loadConfig({});
  assert.equal(config.AAR_PG_PORT, 15432);
  assert.match(config.DATABASE_URL, /^postgres:\/\/aar_app(:[0-9a-f]{64})?@127\.0\.0\.1:15432\/aar$/);
  assert.equal(config.TEMPORAL_ADDRESS, '127.0.0.1:17233');
  assert.ok(Object.isFrozen(config));
});

test('derives the database and Temporal addresses from the port variables', () => {
  const config = loadConfig({ AAR_PG_PORT: '25432', AAR_TEMPORAL_PORT: '27233' });
  assert.match(config.DATABASE_URL, /^postgres:\/\/aar_app(:[0-9a-f]{64})?@127\.0\.0\.1:25432\/aar$/);
  assert.equal(config.TEMPORAL_ADDRESS, '127.0.0.1:27233');
});

test('rejects a bad port naming the variable, the value and the expected form', () => {
  assert.throws(
    () => loadConfig({ AAR_API_PORT: 'eighty' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /AAR_API_PORT="eighty": expected a TCP port, an integer from 1 to 65535/.test(error.message),
  );
});

test('reports every bad variable at once', () => {
  assert.throws(
    () => loadConfig({ AAR_EVAL_PORT: '70000', DATABASE_URL: 'mysql://x', AAR_LOG_LEVEL: 'loud' }),
    (error: unknown) => error instanceof ConfigError && error.problems.length === 3,
  );
});

test('rejects a database URL that is not postgres', () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'http://db:5432/aar' }),
    /DATABASE_URL=.*expected a postgres: or postgresql: URL/,
  );
});

test('reads a config file under the environment, and the environment wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aar-config-'));
  const file = join(dir, 'aar.json');
  writeFileSync(file, JSON.stringify({ AAR_API_PORT: 19000, AAR_EVAL_PORT: '19001' }));
  const config = loadConfig({ AAR_CONFIG_FILE: file, AAR_EVAL_PORT: '19002' });
  assert.equal(config.AAR_API_PORT, 19000);
  assert.equal(config.AAR_EVAL_PORT, 19002);
});

test('rejects an unknown variable in the config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aar-config-'));
  const file = join(dir, 'aar.json');
  writeFileSync(file, JSON.stringify({ AAR_API_PROT: 1 }));
  assert.throws(() => loadConfig({ AAR_CONFIG_FILE: file }), /unknown variable AAR_API_PROT/);
});

test('rejects a config file that is not JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aar-config-'));
  const file = join(dir, 'aar.json');
  writeFileSync(file, 'port = 1');
  assert.throws(() => loadConfig({ AAR_CONFIG_FILE: file }), /AAR_CONFIG_FILE: cannot read .* as JSON/);
});

test('a worker started with a bad configuration value exits 2 with a message naming it', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'workers/orchestrator.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, AAR_WORKER_METRICS_PORT: '-1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /AAR_WORKER_METRICS_PORT="-1": expected a TCP port/);
});

test('the shell scripts use the same defaults as the TypeScript configuration', () => {
  const envSh = readFileSync(join(REPO_ROOT, 'scripts/env.sh'), 'utf8');
  const shellDefaults = new Map([...envSh.matchAll(/^: "\$\{(\w+):=([^}]*)\}"/gm)].map((m) => [m[1], m[2]]));
  const shared = defaultsTable().filter((row) => shellDefaults.has(row.name));
  assert.ok(shared.length >= 4, 'env.sh and config.ts share the port and path variables');
  for (const row of shared) {
    const shell = shellDefaults.get(row.name)!.replace('$REPO_ROOT', REPO_ROOT);
    assert.equal(
      shell,
      row.fallback,
      `${row.name} default differs between scripts/env.sh and runtime/config.ts`,
    );
  }
});

test('the README configuration table lists every variable', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  for (const name of Object.keys(VARIABLES))
    assert.match(readme, new RegExp(`\\|\\s*\`${name}\`\\s*\\|`), `${name} missing from README`);
});
