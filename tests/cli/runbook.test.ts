import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { REPO_ROOT } from '../../runtime/config.js';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { AAR_BIN, aar, aarJson, type CliResult, eventually, runProcess, stackEnv } from './cli-runner.js';
import { runScript, scriptedExecutor } from './scripted-executor.js';

/**
 * Runs every command of docs/runbook.md, section by section, in the situation the section is
 * about, on one campaign: agent-1's first experiment crashes (out of memory); agent-2's runs wait
 * for a GPU that does not come, then its experiment workflow is killed.
 */

/** The command lines of each `## ` section's sh blocks, in document order. */
function runbookSections(): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let heading = '';
  let inBlock = false;
  for (const line of readFileSync(join(REPO_ROOT, 'docs', 'runbook.md'), 'utf8').split('\n')) {
    if (line.startsWith('## ')) heading = line.slice(3).trim();
    else if (line.trim() === '```sh') inBlock = true;
    else if (line.trim() === '```') inBlock = false;
    else if (inBlock && line.trim() !== '' && !line.trim().startsWith('#'))
      sections.set(heading, [...(sections.get(heading) ?? []), line.trim()]);
  }
  return sections;
}

const sections = runbookSections();
const ran = new Set<string>();
let stack: Stack;
let workers: { stop(): Promise<void> };
let env: NodeJS.ProcessEnv;
const rb = smallCampaign('rb', 2, 2, { maxRunAttempts: 1 });
const C = rb.id;
const script = runScript({
  fail: new RegExp(`^${C}-agent-1-0000-s\\d+-a\\d+$`),
  hold: new RegExp(`^${C}-agent-2-`),
});
const bin = mkdtempSync(join(tmpdir(), 'aar-runbook-'));
symlinkSync(AAR_BIN, join(bin, 'aar'));

// agent-2's held runs occupy dispatch slots; two more keep agent-1's runs from waiting behind them.
const startWorkers = () =>
  stack.startWorkers({ executors: { local: scriptedExecutor(stack, script) }, dispatchSlots: 4 });

/** Runs one section's commands through bash, as an operator would paste them; each must exit 0. */
async function runSection(heading: string, vars: Record<string, string>): Promise<CliResult[]> {
  const lines = sections.get(heading);
  assert.ok(lines && lines.length > 0, `docs/runbook.md has a section "${heading}" with commands`);
  const results: CliResult[] = [];
  for (const line of lines) {
    const result = await runProcess('bash', ['-c', line], {
      ...env,
      ...vars,
      PATH: `${bin}:${process.env.PATH}`,
    });
    assert.equal(
      result.code,
      0,
      `${heading}: \`${line}\` exited ${result.code}\n${result.stdout}\n${result.stderr}`,
    );
    results.push(result);
  }
  ran.add(heading);
  return results;
}

const experimentStatus = async (id: string): Promise<string | undefined> =>
  (await stack.record.pool.query('SELECT status FROM experiments WHERE id = $1', [id])).rows[0]?.status;

before(async () => {
  stack = await startStack();
  workers = await startWorkers();
  env = stackEnv(stack);
  await startCampaign(stack, rb);
});

after(async () => {
  script.release();
  await workers.stop();
  await stack.close();
});

test('runbook "Before you start": doctor and campaign list pass on a healthy stack', async () => {
  const [doctor] = await runSection('Before you start', {});
  assert.match(doctor!.stdout, /everything answers/);
});

test('runbook "The cluster is out of GPUs": the waiting experiment shows as queued; pause and resume are accepted', async () => {
  await eventually('agent-1 to fail its first experiment', async () =>
    (await experimentStatus(`${C}-agent-1-0000`)) === 'failed' ? true : undefined,
  );
  await eventually('agent-2 to wait for a GPU', async () => {
    const view = await aarJson(env, ['campaign', 'status', C]);
    return view.agents[1].experiments.queued === 1 ? true : undefined;
  });
  const [status] = await runSection('The cluster is out of GPUs', { CAMPAIGN: C });
  assert.match(status!.stdout, /\nagent-2 +running +0 +0 +1 +0 /);
  const view = await aarJson(env, ['campaign', 'status', C]);
  assert.equal(view.paused, false);
});

test('runbook "A worker crashed": doctor names the queue no worker serves, and all answers once it is back', async () => {
  // agent-1's second experiment runs the real trainer: let it finish, so the stop interrupts only held runs.
  await eventually('agent-1 to finish its second experiment', async () =>
    (await experimentStatus(`${C}-agent-1-0001`)) === 'scored' ? true : undefined,
  );
  await workers.stop();
  let down: CliResult;
  try {
    // Any signal gives the campaign workflow a task that no worker now takes.
    assert.equal((await stack.api('POST', `/v1/campaigns/${C}/resume`, {})).status, 202);
    down = await eventually(
      'doctor to notice',
      async () => {
        const run = await aar(env, ['doctor', '--max-task-wait', '3']);
        // Wait for the orchestrator check itself: another check failing first proves nothing.
        return run.code === 1 && /FAIL orchestrator worker/.test(run.stdout) ? run : undefined;
      },
      90_000,
      2000,
    );
  } finally {
    workers = await startWorkers();
  }
  assert.match(
    down.stdout,
    /FAIL orchestrator worker +task queue t[0-9a-f]+-orchestrator: (no worker polls it|workflow tasks have waited \d+ s)/,
  );
  await eventually('the backlog to drain', async () =>
    (await aar(env, ['doctor'])).code === 0 ? true : undefined,
  );
  const [doctor, status] = await runSection('A worker crashed', { CAMPAIGN: C });
  assert.match(doctor!.stdout, /everything answers/);
  assert.match(status!.stdout, /\nagent-2 +running/);
});

test('runbook "An agent is stuck": reset takes the researcher back before the killed experiment, and it goes on', async () => {
  await stack.temporal.client.workflow
    .getHandle(`experiment-${C}-agent-2-0000`)
    .terminate('killed by the test');
  await eventually('agent-2 to record the failure and move on', async () =>
    (await experimentStatus(`${C}-agent-2-0000`)) === 'failed' &&
    (await experimentStatus(`${C}-agent-2-0001`)) === 'running'
      ? true
      : undefined,
  );
  // Keep the old run's experiment 0001 held, so that the reset run reaches 0001 while it still runs
  // (Temporal's reset does not end the replaced run's children).
  script.hold = new RegExp(`^${C}-agent-2-0001-`);
  const results = await runSection('An agent is stuck', { CAMPAIGN: C, AGENT: 'agent-2' });
  const dryRun = results.find((r) => r.stdout.startsWith('would reset'));
  assert.match(
    dryRun!.stdout,
    new RegExp(
      `would reset campaign-${C}-agent-agent-2 \\(run \\S+\\) to event \\d+ before event \\d+ \\(child workflow terminated`,
    ),
  );
  const reset = results.find((r) => r.stdout.startsWith('reset '));
  assert.match(reset!.stdout, /new run: \S+ \(the old run \S+ was terminated\)/);

  const researcher = stack.temporal.client.workflow.getHandle(`campaign-${C}-agent-agent-2`);
  await eventually(
    "the reset run to start experiment 0001 in place of the replaced run's",
    async () => {
      const experiment = await stack.temporal.client.workflow
        .getHandle(`experiment-${C}-agent-2-0001`)
        .describe();
      const current = await researcher.describe();
      return experiment.status.name === 'RUNNING' && experiment.parentExecution?.runId === current.runId
        ? true
        : undefined;
    },
    60_000,
  );
  script.release();
  const summary = await campaignResult(stack, C);
  assert.equal(summary.status, 'completed');
  assert.equal(await experimentStatus(`${C}-agent-2-0000`), 'scored', 'the killed experiment ran again');
  assert.equal(await experimentStatus(`${C}-agent-2-0001`), 'scored');
  await assert.rejects(
    stack.temporal.client.workflow.getHandle(`campaign-${C}-agent-agent-2-r1`).describe(),
    WorkflowNotFoundError,
    'the campaign kept watching the reset researcher instead of starting a second one',
  );
});

test('runbook "Resume a failed campaign": only the failed experiment is re-run, as a retry, and scored', async () => {
  const results = await runSection('Resume a failed campaign', {
    CAMPAIGN: C,
    EXPERIMENT: `${C}-agent-1-0000`,
  });
  const logs = results.find((r) => r.stdout.includes(`==> ${C}-agent-1-0000-s0-a1 stderr <==`));
  assert.match(logs!.stdout, /RuntimeError: CUDA out of memory/);
  const retried = results.find((r) => r.stdout.startsWith('re-running'));
  assert.match(
    retried!.stdout,
    new RegExp(
      `re-running 1 failed experiment:[\\s\\S]*${C}-agent-1-0000 +${C}-agent-1-0000-retry1 +agent-1 +yes`,
    ),
  );
  await eventually('the retry to be scored', async () =>
    (await experimentStatus(`${C}-agent-1-0000-retry1`)) === 'scored' ? true : undefined,
  );
  const again = await aar(env, ['campaign', 'retry-failed', C]);
  assert.match(again.stdout, new RegExp(`campaign ${C} has no failed experiment to re-run`));
  const { experiments } = await aarJson(env, ['experiment', 'list', C, '--agent', 'agent-1']);
  assert.deepEqual(
    experiments.map((e: { id: string; status: string }) => `${e.id} ${e.status}`),
    [`${C}-agent-1-0000 failed`, `${C}-agent-1-0001 scored`, `${C}-agent-1-0000-retry1 scored`],
  );
});

test('runbook "Rotate an agent token": the old token is replaced and stops working', async () => {
  const minted = await fetch(`${stack.evalUrl}/v1/admin/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'agent', campaignId: C, agentId: 'agent-1' }),
  }).then((r) => r.json() as Promise<{ tokenId: string }>);
  const [, rotate] = await runSection('Rotate an agent token', {
    CAMPAIGN: C,
    AGENT: 'agent-1',
    TOKEN_ID: minted.tokenId,
  });
  assert.match(
    rotate!.stdout,
    new RegExp(`rotated ${minted.tokenId}: new token \\S+ for ${C}/agent-1\\ntoken: \\S+`),
  );
  const { tokens } = await aarJson(env, ['token', 'list', '--campaign', C]);
  assert.ok(
    tokens.find((t: { tokenId: string; revokedAt: string | null }) => t.tokenId === minted.tokenId).revokedAt,
  );
});

test('runbook "Verify the audit log": the chain verifies and the violations are listed', async () => {
  const [verify] = await runSection('Verify the audit log', { CAMPAIGN: C });
  assert.match(verify!.stdout, /^OK \d+ entries/);
});

test('runbook "A run was refused, killed or flagged by the sandbox": the experiment and the flags are shown', async () => {
  const [show, flags] = await runSection('A run was refused, killed or flagged by the sandbox', {
    CAMPAIGN: C,
    EXPERIMENT: `${C}-agent-1-0000`,
  });
  assert.match(show!.stdout, new RegExp(`${C}-agent-1-0000`));
  assert.equal(flags!.code, 0);
});

test('every command block of the runbook was run by this file', () => {
  assert.deepEqual(
    [...sections.keys()].filter((heading) => !ran.has(heading)),
    [],
  );
});
