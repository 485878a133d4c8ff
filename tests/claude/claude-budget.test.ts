import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { usageTotals } from '../../activities/store/token-usage.js';
import { campaignRecord, campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { scriptedResearcher } from '../helpers/fake-anthropic/scripted-researcher.js';
import { type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic/server.js';
import { type Stack, startStack } from '../helpers/stack.js';

const API_KEY = `sk-ant-budget-${randomBytes(12).toString('hex')}`;

let stack: Stack;
let fake: FakeAnthropic;
let workers: { stop(): Promise<void> };

before(async () => {
  fake = await startFakeAnthropic({ apiKey: API_KEY, script: scriptedResearcher() });
  stack = await startStack({ claude: { apiKey: API_KEY, baseUrl: fake.url } });
  workers = await stack.startWorkers();
});

after(async () => {
  await workers?.stop();
  await stack?.close();
  await fake?.close();
});

/** Polls the api server until the agent is in `state`; returns its view. */
async function agentIn(campaignId: string, agentId: string, state: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await stack.api('GET', `/v1/campaigns/${campaignId}`);
    const agent = view.body.agents.find((a: { id: string }) => a.id === agentId);
    if (agent?.state === state) return agent;
    if (Date.now() > deadline)
      throw new Error(`agent ${agentId} never became ${state}: ${JSON.stringify(agent)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('an agent whose token budget runs out pauses with a clear status, and resumes after a raise', async () => {
  // The scripted step's first two calls bill 2,240 and 1,981 tokens: the third call is refused.
  const spec = smallCampaign('claude-budget', 1, 1, {
    budgets: { perAgent: { experiments: 1, tokens: 3000 } },
  });
  spec.agents = spec.agents.map((a) => ({ ...a, policy: 'claude' }));
  const campaignId = await startCampaign(stack, spec);

  const paused = await agentIn(campaignId, 'agent-1', 'paused');
  assert.equal(
    paused.detail,
    `token budget reached: 4,221 of 3,000 tokens for agent-1 — raise it with POST /v1/campaigns/${campaignId}/agents/agent-1/budget and resume`,
  );
  const calls = fake.exchanges.length;
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(fake.exchanges.length, calls, 'a paused agent makes no calls');

  const raised = await stack.api('POST', `/v1/campaigns/${campaignId}/agents/agent-1/budget`, {
    experiments: 1,
    tokens: 1_000_000,
  });
  assert.equal(raised.status, 202, JSON.stringify(raised.body));
  const resumed = await stack.api('POST', `/v1/campaigns/${campaignId}/agents/agent-1/resume`, {});
  assert.equal(resumed.status, 202, JSON.stringify(resumed.body));

  const summary = await campaignResult(stack, campaignId, 120_000);
  assert.equal(summary.status, 'completed');
  const record = await campaignRecord(stack, campaignId);
  assert.deepEqual(
    record.experiments.map((e) => e.status),
    ['scored'],
  );
  const [totals] = await usageTotals(stack.record.pool, campaignId);
  assert.equal(
    totals!.calls,
    fake.exchanges.filter((e) => e.status === 200).length,
    'every answered call is in the ledger',
  );
});
