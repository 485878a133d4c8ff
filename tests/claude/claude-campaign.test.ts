import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { costOf, DEFAULT_PRICES } from '../../activities/agent/claude/pricing.js';
import { createPolicies } from '../../activities/agent/policies.js';
import { usageTotals } from '../../activities/store/token-usage.js';
import type { CampaignSummary } from '../../workflows/definitions.js';
import { queueNames, researcherWorkflowId } from '../../workflows/definitions.js';
import { campaignRecord, campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import {
  describe,
  lastToolResults,
  scriptedResearcher,
} from '../helpers/fake-anthropic/scripted-researcher.js';
import {
  type FakeAnthropic,
  type MessagesRequest,
  startFakeAnthropic,
} from '../helpers/fake-anthropic/server.js';
import { overloaded, rateLimited } from '../helpers/fake-anthropic/wire.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { databaseText, historiesText, teeProcessOutput } from './secret-scan.js';

// A distinctive key: if it leaks anywhere, the scan below finds it.
const API_KEY = `sk-ant-e2e-${randomBytes(18).toString('hex')}`;
const MODELS = { 'agent-1': 'claude-sonnet-4-6', 'agent-2': 'claude-haiku-4-5' } as const;

let stack: Stack;
let fake: FakeAnthropic;
let workers: { stop(): Promise<void> };
const registry = new Registry();
const logLines: string[] = [];
const processOutput: string[] = [];
let stopTee: () => void;
let campaignId: string;
let summary: CampaignSummary;

/**
 * The scripted researcher, plus faults: agent-1's first request is rate limited (retry-after 1 s);
 * agent-2's first analysis fails with 529 overloaded three times in its second round, past the
 * SDK's retries, so Temporal retries the activity and the analysis starts over.
 */
function faultyResearcher() {
  const scripted = scriptedResearcher();
  let rateLimitedOnce = false;
  let overloads = 0;
  return (request: MessagesRequest, index: number) => {
    const { agentId, step, round } = describe(request);
    if (agentId === 'agent-1' && !rateLimitedOnce) {
      rateLimitedOnce = true;
      return rateLimited(1);
    }
    if (agentId === 'agent-2' && step === 'analyse' && round === 1 && overloads < 3) {
      overloads += 1;
      return overloaded();
    }
    return scripted(request, index);
  };
}

before(async () => {
  stopTee = teeProcessOutput(processOutput);
  fake = await startFakeAnthropic({ apiKey: API_KEY, script: faultyResearcher() });
  stack = await startStack();
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  );
  // Wired as workers/orchestrator.ts wires it: the key goes in through the policy dependencies only.
  const policies = createPolicies({
    pool: stack.record.pool,
    logger,
    registry,
    claude: { apiKey: API_KEY, baseUrl: fake.url },
  });
  workers = await stack.startWorkers({ policies });
  const spec = smallCampaign('claude-e2e', 2, 2);
  spec.agents = spec.agents.map((agent) => ({
    ...agent,
    policy: 'claude',
    settings:
      agent.id === 'agent-1'
        ? { model: MODELS['agent-1'], maxTokens: 2048, temperature: 0.2 }
        : { model: MODELS['agent-2'], thinkingBudget: 2048 },
  }));
  campaignId = await startCampaign(stack, spec);
  summary = await campaignResult(stack, campaignId, 240_000);
});

after(async () => {
  stopTee?.();
  await workers?.stop();
  await stack?.close();
  await fake?.close();
});

test('a campaign of two Claude agents runs end to end on the real trainer and eval server', async () => {
  assert.equal(summary.status, 'completed');
  assert.deepEqual(summary.agents.map((a) => a.experimentsDone).sort(), [2, 2]);
  const record = await campaignRecord(stack, campaignId);
  assert.deepEqual(
    record.experiments.map((e) => e.status),
    ['scored', 'scored', 'scored', 'scored'],
  );
  assert.equal(record.receipts.length, 4);
  const keys = record.posts.map((p) => p.idempotency_key).sort();
  assert.deepEqual(
    keys,
    record.experiments.map((e) => `${e.id}:analysis`).sort(),
    'one result post per analysis',
  );
  const notebooks = await stack.record.pool.query(
    "SELECT agent_id, count(*)::int AS n FROM agent_notebook_entries WHERE campaign_id = $1 AND kind = 'analysis' GROUP BY agent_id ORDER BY agent_id",
    [campaignId],
  );
  assert.deepEqual(notebooks.rows, [
    { agent_id: 'agent-1', n: 2 },
    { agent_id: 'agent-2', n: 2 },
  ]);
});

test("each agent's requests carry its own model settings and every invalid spec came back as a tool error", () => {
  const answered = fake.exchanges.filter((e) => e.status === 200);
  const agent1 = answered.filter((e) => describe(e.body).agentId === 'agent-1').map((e) => e.body);
  const agent2 = answered.filter((e) => describe(e.body).agentId === 'agent-2').map((e) => e.body);
  assert.ok(
    agent1.every((b) => b.model === MODELS['agent-1'] && b.temperature === 0.2 && b.max_tokens === 2048),
  );
  assert.ok(
    agent2.every(
      (b) =>
        b.model === MODELS['agent-2'] && b.thinking?.budget_tokens === 2048 && b.temperature === undefined,
    ),
  );
  const corrections = answered.filter((e) => {
    const { step, round } = describe(e.body);
    return step === 'propose' && round === 2;
  });
  assert.equal(corrections.length, 4, 'one correction per proposal');
  for (const e of corrections) assert.equal(lastToolResults(e.body)[0]!.is_error, true);
});

test('the SDK honoured retry-after and a step that failed past the SDK retries was retried by Temporal', async () => {
  const limited = fake.exchanges.findIndex((e) => e.status === 429);
  const next = fake.exchanges.slice(limited + 1).find((e) => describe(e.body).agentId === 'agent-1');
  assert.ok(next!.at - fake.exchanges[limited]!.at >= 950, 'waited the second retry-after asked for');
  assert.equal(
    fake.exchanges.filter((e) => e.status === 529).length,
    3,
    'three 529s: one request and two SDK retries',
  );

  const history = await stack.temporal.client.workflow
    .getHandle(researcherWorkflowId(campaignId, 'agent-2'))
    .fetchHistory();
  const attempts = (history.events ?? []).flatMap((e) =>
    e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : [],
  );
  assert.ok(attempts.includes(2), 'the analysis activity ran a second attempt');
});

test("the ledger's totals match the scripted usage exactly, and the metrics match the ledger", async () => {
  const answered = fake.exchanges.filter((e) => e.status === 200);
  const totals = await usageTotals(stack.record.pool, campaignId);
  for (const agentId of ['agent-1', 'agent-2'] as const) {
    const mine = answered.filter((e) => describe(e.body).agentId === agentId);
    const sum = (f: (u: NonNullable<(typeof mine)[number]['usage']>) => number) =>
      mine.reduce((n, e) => n + f(e.usage!), 0);
    const row = totals.find((t) => t.agentId === agentId)!;
    assert.equal(row.calls, mine.length, `${agentId}: one ledger row per answered request`);
    assert.equal(
      row.inputTokens,
      sum((u) => u.input_tokens),
    );
    assert.equal(
      row.outputTokens,
      sum((u) => u.output_tokens),
    );
    assert.equal(
      row.cacheReadTokens,
      sum((u) => u.cache_read_input_tokens),
    );
    assert.equal(
      row.cacheWriteTokens,
      sum((u) => u.cache_creation_input_tokens),
    );
    const price = DEFAULT_PRICES[MODELS[agentId]]!;
    const cost = mine.reduce(
      (n, e) =>
        n +
        costOf(price, {
          inputTokens: e.usage!.input_tokens,
          outputTokens: e.usage!.output_tokens,
          cacheReadTokens: e.usage!.cache_read_input_tokens,
          cacheWriteTokens: e.usage!.cache_creation_input_tokens,
        }),
      0,
    );
    assert.ok(Math.abs(row.costUsd - cost) < 1e-9, `${agentId}: ${row.costUsd} for ${cost}`);
  }
  const ids = await stack.record.pool.query(
    'SELECT idempotency_key FROM token_usage WHERE campaign_id = $1',
    [campaignId],
  );
  assert.deepEqual(ids.rows.map((r) => r.idempotency_key).sort(), answered.map((e) => e.messageId).sort());

  const metric = await registry.getSingleMetricAsString('aar_model_tokens_total');
  const input = Number(/kind="input"} (\d+)/.exec(metric)?.[1]);
  assert.equal(
    input,
    totals.reduce((n, t) => n + t.inputTokens, 0),
  );
});

test('the API key appears nowhere: workflow histories, logs, database rows, metrics', async () => {
  const haystacks: Record<string, string> = {};
  const histories = await historiesText(stack.temporal.client, queueNames(stack.queuePrefix).orchestrator);
  assert.ok(
    histories.ids.length >= 1 + 2 + 4,
    `the campaign, researcher and experiment workflows (${histories.ids.length})`,
  );
  haystacks.histories = histories.text;
  haystacks.logs = logLines.join('');
  haystacks.output = processOutput.join('');
  haystacks.record = (await databaseText(stack.record.pool)).text;
  haystacks.eval = (await databaseText(stack.evalDb.pool)).text;
  haystacks.metrics = await registry.metrics();

  // Each haystack holds what it should, so an empty one cannot pass the scan.
  assert.match(haystacks.histories, /auxiliary confidence loss \(weight 0\.5\)/);
  assert.match(haystacks.logs, /model turn finished/);
  assert.match(haystacks.record, /msg_[0-9a-f]{24}/);
  assert.match(haystacks.metrics, /aar_model_cost_dollars_total/);
  const encoded = Buffer.from(API_KEY).toString('base64').slice(0, 40);
  for (const [where, text] of Object.entries(haystacks)) {
    assert.ok(!text.includes(API_KEY), `the key leaked into ${where}`);
    assert.ok(!text.includes(encoded), `the key leaked, base64-encoded, into ${where}`);
    assert.ok(!text.includes(API_KEY.slice(-20)), `part of the key leaked into ${where}`);
  }
});
