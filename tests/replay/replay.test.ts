import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/temporal.js';

const dir = new URL('../fixtures/histories/', import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('recorded histories exist for the campaign, researcher and experiment workflows', () => {
  const kinds = new Set(fixtures.map((f) => f.replace(/-[a-z0-9]+\.json$/, '')));
  assert.deepEqual([...kinds].sort(), ['campaign', 'experiment', 'researcher']);
});

for (const file of fixtures) {
  test(`today's workflow code replays the recorded ${file.replace('.json', '')} history deterministically`, async () => {
    const history = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
    // Throws DeterminismViolationError when a change to the workflow code is not guarded by patched().
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
  });
}
