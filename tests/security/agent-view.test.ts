/**
 * What agents see, end to end: a campaign of two baseline agents and one Claude agent (on the fake
 * Messages API) with the promotion gate on, whose runs are planted (no training) with scores that
 * differ per experiment. Every tool result and opening the model was sent, every context the
 * baseline policy was given, and every system forum post must carry Ladder values only: no exact
 * mean, interval, per-seed or private figure, no p-value (core/agent-view.ts `findLeaks`).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Context } from '@temporalio/activity';
import { Registry } from 'prom-client';
import { createBaselinePolicy } from '../../activities/agent/baseline/baseline-policy.js';
import { runTool } from '../../activities/agent/claude/tools.js';
import { createPolicies, TRAINER_DEFAULTS } from '../../activities/agent/policies.js';
import type { ResearcherPolicy } from '../../activities/agent/policy.js';
import type { EvalClient } from '../../activities/eval/eval-client.js';
import type { Executor, RunRequest } from '../../activities/executors/executor.js';
import { createIntegrityActivities } from '../../activities/integrity/integrity-activities.js';
import type { OrchestratorMetrics } from '../../activities/metrics.js';
import { insertPost } from '../../activities/store/forum.js';
import { storeResult } from '../../activities/store/runs.js';
import { assertAgentSafe } from '../../core/agent-view.js';
import { createRng, seedFrom } from '../../core/random.js';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { describe, experimentOf, SCRIPTED_SPEC } from '../helpers/fake-anthropic/scripted-researcher.js';
import {
  type FakeAnthropic,
  type MessagesRequest,
  startFakeAnthropic,
} from '../helpers/fake-anthropic/server.js';
import { type FakeReply, reply, text, toolUse } from '../helpers/fake-anthropic/wire.js';
import { plantedExit } from '../helpers/planted-result.js';
import { testLogger } from '../helpers/silent-logger.js';
import { type Stack, startStack } from '../helpers/stack.js';

const API_KEY = `sk-ant-view-${randomBytes(12).toString('hex')}`;
const usage = {
  input_tokens: 100,
  output_tokens: 20,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
};

let stack: Stack;
let fake: FakeAnthropic;
let workers: { stop(): Promise<void> };
let campaignId: string;
let step: number;
const baselineContexts: unknown[] = [];

const campaignOf = (request: MessagesRequest): string =>
  /of campaign (\S+)\./.exec(JSON.stringify(request.system))?.[1] ?? 'unknown';

/** The Claude agent: reads every surface, tries to link another agent's experiment, proposes, analyses. */
function readingResearcher(request: MessagesRequest): FakeReply {
  const { agentId, step: kind, round } = describe(request);
  const other = `${campaignOf(request)}-agent-1-0000`;
  if (kind === 'notebook') return reply([text(`Summary for ${agentId}.`)], usage);
  if (kind === 'analyse') {
    if (round === 0)
      return reply(
        [
          toolUse('read_experiment', { experimentId: experimentOf(request) }),
          toolUse('read_leaderboard', {}),
          toolUse('read_forum', { limit: 50 }),
          toolUse('read_history', {}),
        ],
        usage,
      );
    return reply(
      [
        toolUse('finish', {
          summary: `${agentId}: logconf scored as reported.`,
          post: { kind: 'result', title: `${agentId}: logconf`, body: 'See the linked experiment.' },
        }),
      ],
      usage,
    );
  }
  switch (round) {
    case 0:
      return reply(
        [toolUse('read_forum', { limit: 50 }), toolUse('read_leaderboard', {}), toolUse('read_history', {})],
        usage,
      );
    case 1:
      return reply(
        [
          toolUse('read_experiment', { experimentId: other }),
          toolUse('post_to_forum', {
            kind: 'finding',
            title: 'building on agent-1',
            body: 'Their first run looks promising.',
            experimentIds: [other],
          }),
        ],
        usage,
      );
    case 2:
      return reply(
        [toolUse('propose_experiment', { hypothesis: 'logconf raises the score.', spec: SCRIPTED_SPEC })],
        usage,
      );
    default:
      return reply([toolUse('finish', {})], usage);
  }
}

/**
 * Planted runs: each experiment (and promotion arm) predicts the true class of a share of the test
 * examples that depends on its id, so exact scores differ between experiments and seeds.
 */
function plantingExecutor(labels: number[]): Executor {
  return {
    async execute(request: RunRequest, _context: Context) {
      const experiment = request.runId.replace(/-s\d+-a\d+$/, '');
      const seed = request.spec.seed ?? 0;
      const share = 0.45 + (seedFrom(experiment) % 400) / 1000;
      const rng = createRng(seedFrom(experiment, seed));
      const predictions = labels.map((label) => {
        const row = Array.from({ length: 10 }, () => 0);
        row[rng() < share ? label : (label + 1 + Math.floor(rng() * 9)) % 10] = 1;
        return row;
      });
      await storeResult(stack.record.pool, request.runId, {
        resultVersion: 1,
        status: 'succeeded',
        task: request.taskId,
        seed,
        spec: null,
        predictions,
        curve: [],
        weakValidationAccuracy: 0.8 + rng() / 10,
        stoppedEpoch: null,
        trainExamples: null,
        wallSeconds: 0,
        device: 'planted',
        versions: {},
      });
      return plantedExit;
    },
  };
}

/** The baseline policy, recording every context it is given. */
function recordingBaseline(): ResearcherPolicy {
  const real = createBaselinePolicy(TRAINER_DEFAULTS);
  return {
    async propose(ctx) {
      baselineContexts.push(ctx);
      return await real.propose(ctx);
    },
    async analyse(ctx) {
      baselineContexts.push(ctx);
      return await real.analyse(ctx);
    },
  };
}

before(async () => {
  fake = await startFakeAnthropic({ apiKey: API_KEY, script: readingResearcher });
  stack = await startStack();
  const task = await stack.evalDb.pool.query('SELECT test_labels FROM tasks WHERE id = $1', ['mnist1d']);
  const policies = createPolicies({
    pool: stack.record.pool,
    logger: testLogger,
    registry: new Registry(),
    claude: { apiKey: API_KEY, baseUrl: fake.url },
  });
  workers = await stack.startWorkers({
    policies: { ...policies, baseline: recordingBaseline() },
    executors: { local: plantingExecutor(task.rows[0].test_labels) },
  });
  const spec = {
    ...smallCampaign('agent-view', 3, 2),
    promotion: { auto: true, margin: 0, freshSeeds: 5, alpha: 0.05 },
  };
  spec.agents = spec.agents.map((a) => (a.id === 'agent-3' ? { ...a, policy: 'claude' } : a));
  campaignId = await startCampaign(stack, spec);
  await campaignResult(stack, campaignId, 300_000);
  // The gate runs past the campaign: wait until every promotion has posted its verdict.
  for (let i = 0; i < 240; i++) {
    const { rows } = await stack.record.pool.query(
      `SELECT (SELECT count(*)::int FROM promotions WHERE campaign_id = $1) AS promotions,
              (SELECT count(*)::int FROM forum_posts WHERE campaign_id = $1 AND author_id = 'promotion-gate') AS verdicts`,
      [campaignId],
    );
    if (rows[0].promotions > 0 && rows[0].verdicts === rows[0].promotions) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const steps = await stack.record.pool.query(
    `SELECT DISTINCT (r.public_score->'reported'->>'step')::float8 AS step
     FROM eval_receipts r JOIN experiments e ON e.id = r.experiment_id WHERE e.campaign_id = $1`,
    [campaignId],
  );
  assert.equal(steps.rows.length, 1);
  step = steps.rows[0].step;
});

after(async () => {
  await workers?.stop();
  await stack?.close();
  await fake?.close();
});

/** Every block of user-role content the model was sent: openings and tool results. */
function sentToModel(): { where: string; content: string }[] {
  const out: { where: string; content: string }[] = [];
  for (const e of fake.exchanges) {
    for (const [i, m] of (e.body?.messages ?? []).entries()) {
      if (m.role !== 'user') continue;
      const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
      for (const b of blocks) {
        const content = b.type === 'tool_result' ? b.content : b.type === 'text' ? b.text : '';
        out.push({ where: `request ${e.index} message ${i} (${b.type})`, content: String(content) });
      }
    }
  }
  return out;
}

test('the gate posted verdicts and the experiments differ in exact score, so the checks below are not vacuous', async () => {
  const verdicts = await stack.record.pool.query(
    "SELECT count(*)::int AS n FROM forum_posts WHERE campaign_id = $1 AND author_id = 'promotion-gate'",
    [campaignId],
  );
  assert.ok(verdicts.rows[0].n >= 1);
  const exact = await stack.record.pool.query(
    `SELECT DISTINCT (r.public_score->'public'->>'meanPgr')::float8 AS mean
     FROM eval_receipts r JOIN experiments e ON e.id = r.experiment_id WHERE e.campaign_id = $1`,
    [campaignId],
  );
  assert.ok(exact.rows.length >= 4, 'distinct exact means');
  const results = sentToModel().map((b) => b.content);
  assert.ok(results.some((c) => c.includes('"reportedPgr"') && c.includes('"ladderStep"')));
  assert.ok(results.some((c) => c.includes('weakValidationAccuracy')));
});

test('nothing the model was sent carries a figure finer than the Ladder, an interval, a private figure or a p-value', () => {
  const blocks = sentToModel();
  assert.ok(blocks.length > 20, `${blocks.length} blocks`);
  for (const { where, content } of blocks) assertAgentSafe(content, step, where);
});

test('every context the baseline policy was given is the agent view', () => {
  assert.ok(baselineContexts.length >= 8, `${baselineContexts.length} contexts`);
  for (const [i, ctx] of baselineContexts.entries()) assertAgentSafe(ctx, step, `baseline context ${i}`);
});

test('no system forum post carries a figure agents may not see; verdicts are a word', async () => {
  const { rows } = await stack.record.pool.query(
    "SELECT author_id, title, body FROM forum_posts WHERE campaign_id = $1 AND author_kind = 'system'",
    [campaignId],
  );
  for (const p of rows) assertAgentSafe(p, step, `${p.author_id} post "${p.title}"`);
  for (const p of rows.filter((r) => r.author_id === 'promotion-gate'))
    assert.match(p.title, /: (verified|accepted|rejected|inconclusive)$/);
});

test('every read tool answers each agent with the agent view, ordered by the Ladder', async () => {
  const experiments = await stack.record.pool.query(
    'SELECT id, kind FROM experiments WHERE campaign_id = $1 ORDER BY id',
    [campaignId],
  );
  for (const agentId of ['agent-1', 'agent-2', 'agent-3']) {
    const ctx = {
      pool: stack.record.pool,
      campaignId,
      agentId,
      experimentId: `${campaignId}-${agentId}-0099`,
      step: 'propose' as const,
      taskId: 'mnist1d',
      state: { posts: 0, notes: 0 },
    };
    const answers = [
      await runTool(ctx, 'read_forum', { limit: 50 }),
      await runTool(ctx, 'read_leaderboard', {}),
      await runTool(ctx, 'read_history', {}),
      ...(await Promise.all(
        experiments.rows
          .filter((e) => e.kind === 'research')
          .map((e) => runTool(ctx, 'read_experiment', { experimentId: e.id })),
      )),
    ];
    for (const [i, a] of answers.entries()) {
      assert.notEqual(a.isError, true, a.content);
      assertAgentSafe(a.content, step, `${agentId} answer ${i}`);
    }
    const board = JSON.parse(answers[1]!.content) as {
      rows: { reportedPgr: number; experimentId: string }[];
    };
    const sorted = [...board.rows].sort(
      (a, b) => b.reportedPgr - a.reportedPgr || a.experimentId.localeCompare(b.experimentId),
    );
    assert.deepEqual(board.rows, sorted);
  }
  const arm = experiments.rows.find((e) => e.kind === 'promotion');
  assert.ok(arm, 'a promotion arm');
  const ctx = {
    pool: stack.record.pool,
    campaignId,
    agentId: 'agent-3',
    experimentId: 'x',
    step: 'propose' as const,
    taskId: 'mnist1d',
    state: { posts: 0, notes: 0 },
  };
  const refused = await runTool(ctx, 'read_experiment', { experimentId: arm.id });
  assert.equal(refused.isError, true, 'promotion arms are not shown to agents');
});

test("a Claude post linking another agent's experiment comes back as a tool error naming it", async () => {
  const other = `${campaignId}-agent-1-0000`;
  const answers = fake.exchanges.flatMap((e) =>
    (e.body?.messages.at(-1)?.content ?? []).filter(
      (b: { type: string; content?: string }) =>
        b.type === 'tool_result' && String(b.content).includes('not yours'),
    ),
  );
  assert.ok(answers.length >= 2, 'one refusal per propose step');
  for (const a of answers) {
    assert.equal(a.is_error, true);
    assert.ok(a.content.includes(other), a.content);
  }
  const stored = await stack.record.pool.query(
    "SELECT count(*)::int AS n FROM forum_posts WHERE campaign_id = $1 AND author_id = 'agent-3' AND $2 = ANY(experiment_ids)",
    [campaignId, other],
  );
  assert.equal(stored.rows[0].n, 0);
  const own = await runTool(
    {
      pool: stack.record.pool,
      campaignId,
      agentId: 'agent-3',
      experimentId: `${campaignId}-agent-3-0098`,
      step: 'analyse',
      taskId: 'mnist1d',
      state: { posts: 0, notes: 0 },
    },
    'post_to_forum',
    { kind: 'finding', title: 'mine', body: 'my own run', experimentIds: [`${campaignId}-agent-3-0000`] },
  );
  assert.notEqual(own.isError, true, own.content);
});

test("a discrepancy is flagged from the experiment's own agent's post only", async () => {
  const target = `${campaignId}-agent-1-0000`;
  const integrity = createIntegrityActivities({
    pool: stack.record.pool,
    logger: testLogger,
    eval: {
      async taskBundle() {
        throw new Error('not needed');
      },
      async violations() {
        return [];
      },
    } as unknown as EvalClient,
    metrics: { integrityFlags: { inc() {} } } as unknown as OrchestratorMetrics,
  });
  const discrepancies = async () =>
    (
      await stack.record.pool.query(
        "SELECT count(*)::int AS n FROM integrity_flags WHERE experiment_id = $1 AND kind = 'discrepancy'",
        [target],
      )
    ).rows[0].n;
  assert.equal(await discrepancies(), 0, 'the honest baseline analysis states its reported PGR');
  // A post another agent made about it (stored directly: such a link is refused today).
  await stack.record.pool.query(
    `INSERT INTO forum_posts (campaign_id, author_kind, author_id, kind, title, body, experiment_ids)
     VALUES ($1, 'agent', 'agent-2', 'finding', 'Their result', 'agent-1 reaches PGR 9.5 here', $2)`,
    [campaignId, [target]],
  );
  await integrity.checkIntegrity({ campaignId, agentId: 'agent-1', experimentId: target });
  assert.equal(await discrepancies(), 0, "another agent's post is not agent-1's claim");
  await insertPost(stack.record.pool, {
    campaignId,
    authorKind: 'agent',
    authorId: 'agent-1',
    kind: 'finding',
    title: 'Recap',
    body: 'my method reaches PGR 9.5',
    experimentIds: [target],
  });
  await integrity.checkIntegrity({ campaignId, agentId: 'agent-1', experimentId: target });
  assert.equal(await discrepancies(), 1);
});

test('the api forum route refuses links to experiments outside the campaign, naming them', async () => {
  const own = `${campaignId}-agent-2-0001`;
  const refused = await stack.api('POST', `/v1/campaigns/${campaignId}/forum`, {
    kind: 'message',
    title: 'links',
    body: 'see these',
    experimentIds: [own, 'elsewhere-agent-1-0000'],
  });
  assert.equal(refused.status, 400);
  assert.match(refused.body.error.message, /refused: elsewhere-agent-1-0000$/);
  const posted = await stack.api('POST', `/v1/campaigns/${campaignId}/forum`, {
    kind: 'message',
    title: 'links',
    body: 'operators may link any experiment of the campaign',
    experimentIds: [own],
  });
  assert.equal(posted.status, 201);
});
