import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { REPO_ROOT } from '../../runtime/config.js';

test('the committed JSON Schemas equal what the TypeScript schemas emit', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/emit-schemas.ts', '--check'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
});
