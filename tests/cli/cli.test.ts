import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { aar, aarJson, eventually, stackEnv } from './cli-runner.js';
import { runScript, scriptedExecutor } from './scripted-executor.js';

let stack: Stack;
let workers: { stop(): Promise<void> };
let env: NodeJS.ProcessEnv;
let campaignId: string;
const scratch = mkdtempSync(join(tmpdir(), 'aar-cli-'));
// The campaigns that are steered hold their runs (as if waiting for a GPU): no CPU spent until released.
const steered = runScript({ hold: /^(ctl|cx)-/ });

before(async () => {
  stack = await startStack();
  workers = await stack.startWorkers({
    executors: { local: scriptedExecutor(stack, steered) },
  });
  env = stackEnv(stack);
});

after(async () => {
  await workers.stop();
  await stack.close();
});

// Workflow ids are global on the shared Temporal server: every run of this file uses fresh ids.
const CLI = `cli-${randomBytes(3).toString('hex')}`;
const SPEC = `# A small campaign: two baseline agents, two experiments each, two seeds.
apiVersion: aar/v1
id: ${CLI}
name: CLI test campaign
task: mnist1d
seedsPerExperiment: 2
agents:
  - id: agent-1
    direction: auxiliary confidence loss
    seed: 0
  - id: agent-2
    direction: filter confident labels
    seed: 1
budgets:
  perAgent:
    experiments: 2
promotion:
  auto: false
`;

test('campaign start -f starts a campaign from a YAML file and says where to watch it', async () => {
  const file = join(scratch, 'campaign.yaml');
  writeFileSync(file, SPEC);
  const run = await aar(env, ['campaign', 'start', '-f', file]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`^campaign ${CLI} started \\(2 agents\\)`));
  assert.match(run.stdout, /watch: +aar campaign watch cli/);
  assert.match(run.stdout, new RegExp(`dashboard: +${stack.apiUrl}/ui/campaigns/${CLI}`));
  campaignId = CLI;
  const again = await aar(env, ['campaign', 'start', '-f', file]);
  assert.equal(again.code, 1, 'the same id twice is refused');
  assert.match(again.stderr, new RegExp(`campaign ${CLI} exists`));
});

test('campaign watch follows the campaign live until it completes, then exits 0', async () => {
  const run = await aar(env, ['campaign', 'watch', campaignId], 300_000);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /agent-1 \[####################\] 2\/2 done/);
  assert.match(run.stdout, /PGR \(public, mean\) +95 % interval/);
  assert.match(run.stderr, new RegExp(`campaign ${CLI} completed`));
});

test('campaign watch --json prints one snapshot per line', async () => {
  const run = await aar(env, ['campaign', 'watch', campaignId, '--once', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const snapshot = JSON.parse(lines[0]!);
  assert.equal(snapshot.campaign.status, 'completed');
  assert.equal(snapshot.series.length, 4, 'one PGR point per scored experiment');
});

test('campaign list shows the campaign, as text and as JSON', async () => {
  const text = await aar(env, ['campaign', 'list']);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^campaign +status +agents +experiments +best PGR/);
  assert.match(text.stdout, new RegExp(`\\n${CLI} +completed +2 +4 +\\d\\.\\d{3}`));
  const { campaigns } = await aarJson(env, ['campaign', 'list']);
  assert.deepEqual(
    campaigns.map((c: { id: string }) => c.id),
    [CLI],
  );
});

test('campaign status shows a row per agent: state, experiments, best PGR, budget used', async () => {
  const text = await aar(env, ['campaign', 'status', campaignId]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(
    text.stdout,
    /agent +state +done +running +queued +failed +best PGR +budget used +current hypothesis/,
  );
  assert.match(text.stdout, /\nagent-1 +done +2 +0 +0 +0 +-?\d\.\d{3} +100 %/);
  const view = await aarJson(env, ['campaign', 'status', campaignId]);
  assert.deepEqual(
    view.agents.map((a: { experiments: { done: number; queued: number } }) => a.experiments),
    [
      { done: 2, running: 0, failed: 0, queued: 0 },
      { done: 2, running: 0, failed: 0, queued: 0 },
    ],
  );
  const short = await aar(env, ['status']);
  assert.equal(short.code, 0);
  assert.match(short.stderr, new RegExp(`campaign ${CLI} \\(the newest`));
});

test('leaderboard ranks the agents with their 95 % intervals', async () => {
  const text = await aar(env, ['leaderboard', campaignId]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /\n1 +agent-\d +-?\d\.\d{3} +\[-?\d\.\d{3}, -?\d\.\d{3}\]/);
  const { leaderboard } = await aarJson(env, ['leaderboard', campaignId]);
  assert.equal(leaderboard.length, 2);
});

test('experiment list filters by agent and status', async () => {
  const { experiments } = await aarJson(env, ['experiment', 'list', campaignId, '--agent', 'agent-2']);
  assert.deepEqual(
    experiments.map((e: { id: string }) => e.id),
    [`${CLI}-agent-2-0000`, `${CLI}-agent-2-0001`],
  );
  const none = await aar(env, ['experiment', 'list', campaignId, '--status', 'failed']);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /no experiments match/);
});

test('experiment show gives the hypothesis, spec and per-seed public scores of each run', async () => {
  const text = await aar(env, ['experiment', 'show', `${CLI}-agent-1-0000`]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^experiment ${CLI}-agent-1-0000 · agent agent-1 · scored`));
  assert.match(text.stdout, /public PGR: mean -?\d\.\d{3} \[/);
  assert.match(
    text.stdout,
    new RegExp(`${CLI}-agent-1-0000-s0-a1 +0 +1 +succeeded +\\d+\\.\\d +\\d+ +\\d\\.\\d{3}`),
  );
  const shown = await aarJson(env, ['experiment', 'show', `${CLI}-agent-1-0000`]);
  assert.equal(shown.results.length, 2);
  assert.ok(
    shown.results.every((r: { curve: unknown[] }) => r.curve.length > 0),
    'training curves',
  );
  assert.equal(JSON.stringify(shown).includes('predictions'), false, 'predictions never leave the database');
});

test('experiment logs tails the trainer output of each seed', async () => {
  const text = await aar(env, ['experiment', 'logs', `${CLI}-agent-1-0000`, '--tail', '5']);
  assert.equal(text.code, 0, text.stderr);
  for (const header of ['s0-a1 student', 's0-a1 stderr', 's1-a1 student', 's1-a1 stderr'])
    assert.match(text.stdout, new RegExp(`==> ${CLI}-agent-1-0000-${header}`));
  const one = await aarJson(env, ['experiment', 'logs', `${CLI}-agent-1-0000-s1-a1`, '--stream', 'stderr']);
  assert.deepEqual(
    one.logs.map((l: { runId: string; stream: string }) => [l.runId, l.stream]),
    [[`${CLI}-agent-1-0000-s1-a1`, 'stderr']],
  );
});

test('forum post, list and show: a thread and a reply, with control characters shown, not obeyed', async () => {
  const posted = await aarJson(env, [
    'forum',
    'post',
    campaignId,
    'Look at the early stopping runs.',
    '--title',
    'Operator note',
  ]);
  const reply = await aar(env, [
    'forum',
    'post',
    campaignId,
    'Seconded \u001b[31mred\u001b[0m',
    '--reply-to',
    String(posted.id),
  ]);
  assert.equal(reply.code, 0, reply.stderr);
  const list = await aar(env, ['forum', 'list', campaignId]);
  assert.match(list.stdout, new RegExp(`\\n${posted.id} +operator:[\\w.@-]+ +message +1 +`));
  const show = await aar(env, ['forum', 'show', String(posted.id)]);
  assert.equal(show.code, 0);
  assert.match(show.stdout, /Operator note\nLook at the early stopping runs\./);
  assert.match(show.stdout, /Seconded \\x1b\[31mred\\x1b\[0m/);
  assert.equal(show.stdout.includes('\u001b'), false, 'no raw escape reaches the terminal');
  const { threads } = await aarJson(env, ['forum', 'list', campaignId, '--kind', 'result']);
  assert.equal(threads.length, 4, 'one result post per analysed experiment');
});

test('export writes the experiments and runs as JSON and as CSV', async () => {
  const file = join(scratch, 'cli.json');
  const json = await aar(env, ['export', campaignId, '--out', file]);
  assert.equal(json.code, 0, json.stderr);
  const data = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(data.experiments.length, 4);
  assert.equal(data.runs.length, 8);
  assert.ok(data.runs.every((r: { publicPgr: number | null }) => typeof r.publicPgr === 'number'));
  const dir = join(scratch, 'csv');
  const csv = await aar(env, ['export', campaignId, '--format', 'csv', '--out', dir]);
  assert.equal(csv.code, 0, csv.stderr);
  assert.deepEqual(readdirSync(dir).sort(), [`${CLI}-experiments.csv`, `${CLI}-runs.csv`]);
  const runs = readFileSync(join(dir, `${CLI}-runs.csv`), 'utf8')
    .trim()
    .split('\r\n');
  assert.match(runs[0]!, /^runId,experimentId,seed,attempt,executor,status,wallSeconds/);
  assert.equal(runs.length, 9, runs.join('\n'));
  const stdout = await aar(env, ['export', campaignId, '--format', 'csv']);
  assert.match(stdout.stdout, /^id,agentId,seq,status,reportedPgr,pgrMean,ciLow,ciHigh/);
});

test('audit verify reports an intact chain and writes its metrics file', async () => {
  const metrics = join(scratch, 'audit.prom');
  const run = await aar(env, ['audit', 'verify', '--metrics-file', metrics]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^OK \d+ entries, head \d+ [0-9a-f]{64}/);
  assert.match(readFileSync(metrics, 'utf8'), /^aar_audit_chain_ok 1$/m);
  const violations = await aar(env, ['audit', 'violations', campaignId]);
  assert.equal(violations.code, 0, violations.stderr);
});

test('token mint, list, rotate and revoke manage an agent token on the eval server', async () => {
  const minted = await aarJson(env, ['token', 'mint', '--campaign', campaignId, '--agent', 'agent-1']);
  assert.match(minted.token, /\S{20,}/);
  const rotated = await aarJson(env, ['token', 'rotate', minted.tokenId]);
  assert.notEqual(rotated.tokenId, minted.tokenId);
  const { tokens } = await aarJson(env, ['token', 'list', '--campaign', campaignId, '--agent', 'agent-1']);
  const old = tokens.find((t: { tokenId: string }) => t.tokenId === minted.tokenId);
  assert.equal(old.replacedBy, rotated.tokenId);
  assert.ok(old.revokedAt);
  const revoked = await aar(env, ['token', 'revoke', rotated.tokenId]);
  assert.equal(revoked.code, 0, revoked.stderr);
  const oldToken = await fetch(`${stack.evalUrl}/v1/leaderboard?campaignId=${campaignId}&taskId=mnist1d`, {
    headers: { authorization: `Bearer ${minted.token}` },
  });
  assert.equal(oldToken.status, 401, 'the rotated token no longer works');
});

test('doctor finds every service of the stack answering', async () => {
  const run = await aar(env, ['doctor']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /ok +orchestrator worker +task queue t[0-9a-f]+-orchestrator: polled/);
  assert.match(run.stdout, /everything answers$/m);
});

test('pause, resume, message, budget and stop steer a running campaign', async () => {
  const ctl = await startCampaign(stack, smallCampaign('ctl', 1, 50));
  await eventually('the agent to run', async () => {
    const view = await aarJson(env, ['campaign', 'status', ctl]);
    return view.agents[0].state === 'running' ? true : undefined;
  });
  assert.equal((await aar(env, ['campaign', 'pause', ctl, '--reason', 'testing'])).code, 0);
  await eventually('the campaign to be paused', async () => {
    const view = await aarJson(env, ['campaign', 'status', ctl]);
    return view.paused && view.agents[0].state === 'paused' ? true : undefined;
  });
  assert.equal((await aar(env, ['resume', ctl])).code, 0);
  await eventually('the campaign to run again', async () => {
    const view = await aarJson(env, ['campaign', 'status', ctl]);
    return !view.paused && view.agents[0].state !== 'paused' ? true : undefined;
  });
  assert.equal((await aar(env, ['campaign', 'pause', ctl, '--agent', 'agent-1'])).code, 0);
  await eventually('the agent to be paused', async () => {
    const view = await aarJson(env, ['campaign', 'status', ctl]);
    return view.agents[0].state === 'paused' ? true : undefined;
  });
  assert.equal((await aar(env, ['campaign', 'resume', ctl, '--agent', 'agent-1'])).code, 0);
  const message = await aar(env, ['campaign', 'message', ctl, 'agent-1', 'Try a smaller learning rate.']);
  assert.equal(message.code, 0, message.stderr);
  const budget = await aar(env, ['campaign', 'budget', ctl, '--experiments', '40', '--gpu-hours', '2']);
  assert.equal(budget.code, 0, budget.stderr);
  const unknownAgent = await aar(env, ['campaign', 'message', ctl, 'agent-9', 'hello']);
  assert.equal(unknownAgent.code, 1);
  assert.match(unknownAgent.stderr, /has no agent agent-9/);
  assert.equal((await aar(env, ['campaign', 'stop', ctl, '--reason', 'enough'])).code, 0);
  steered.release();
  const summary = await campaignResult(stack, ctl);
  assert.equal(summary.status, 'completed');
  assert.match(summary.endReason, /enough/);
  const actions = await stack.record.pool.query(
    'SELECT action FROM operator_actions WHERE campaign_id = $1 ORDER BY id',
    [ctl],
  );
  assert.deepEqual(
    actions.rows.map((r) => r.action),
    ['start', 'pause', 'resume', 'pause', 'resume', 'message', 'budget', 'stop'],
  );
});

test('cancel ends a campaign now, and watching it then exits 1', async () => {
  const cx = await startCampaign(stack, smallCampaign('cx', 1, 50));
  await eventually('the agent to run', async () => {
    const view = await aarJson(env, ['campaign', 'status', cx]);
    return view.agents[0].state === 'running' ? true : undefined;
  });
  const run = await aar(env, ['campaign', 'cancel', cx]);
  assert.equal(run.code, 0, run.stderr);
  await eventually('the campaign to be cancelled', async () => {
    const view = await aarJson(env, ['campaign', 'status', cx]);
    return view.status === 'cancelled' ? true : undefined;
  });
  const watch = await aar(env, ['campaign', 'watch', cx]);
  assert.equal(watch.code, 1);
  assert.match(watch.stderr, new RegExp(`campaign ${cx} cancelled`));
});

test("a campaign that does not exist is a failure with the api server's message", async () => {
  const run = await aar(env, ['campaign', 'status', 'no-such-campaign']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /no campaign no-such-campaign/);
});
