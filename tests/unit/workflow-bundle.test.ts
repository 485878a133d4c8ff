import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundleWorkflowCode } from '@temporalio/worker';
import { REPO_ROOT } from '../../runtime/config.js';
import { workflowBundle } from '../helpers/temporal.js';

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

test('the orchestrator workflows bundle for the deterministic sandbox', async () => {
  const bundle = await workflowBundle();
  assert.ok(bundle.code.includes('registerCampaignWorkflow'));
});

test('a workflow that imports a Node built-in fails to bundle', async () => {
  const dir = mkdtempSync(join(REPO_ROOT, 'workflows', '.bundle-check-'));
  const file = join(dir, 'bad.ts');
  writeFileSync(
    file,
    "import { readFileSync } from 'node:fs';\nexport async function bad() { return readFileSync('/etc/hostname', 'utf8'); }\n",
  );
  const errors: string[] = [];
  const logger = { ...silent, error: (message: string) => errors.push(message) };
  try {
    await assert.rejects(bundleWorkflowCode({ workflowsPath: file, logger }), /Webpack finished with errors/);
    assert.match(errors.join('\n'), /fs/, 'the bundler names the forbidden module');
  } finally {
    const { rmSync } = await import('node:fs');
    rmSync(dir, { recursive: true, force: true });
  }
});
