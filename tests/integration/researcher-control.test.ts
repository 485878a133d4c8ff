import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AnalyseContext, ProposeContext, ResearcherPolicy } from '../../activities/agent/policy.js';
import { campaignWorkflowId, researcherWorkflowId } from '../../workflows/definitions.js';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * A scripted agent: the choices a careless researcher could make, in order. It stands in for an
 * agent's decisions (the input), not for any of AAR's code.
 */
const scripted: ResearcherPolicy = {
  async propose(ctx: ProposeContext) {
    const base = {
      specVersion: 1,
      task: ctx.taskId,
      loss: { kind: 'xent' },
      training: { epochs: 3, learningRate: 0.002, batchSize: 64 },
    };
    const messages = ctx.operatorMessages.map((m) => m.text).join(' | ');
    if (ctx.seq === 0) {
      return {
        hypothesis: 'a hook that crashes',
        spec: {
          ...base,
          hook: { source: 'def loss(logits, weak_probs, progress):\n    raise RuntimeError("boom")\n' },
        },
      };
    }
    if (ctx.seq === 1)
      return { hypothesis: 'zero epochs', spec: { ...base, training: { ...base.training, epochs: 0 } } };
    return { hypothesis: `plain run ${ctx.seq}${messages ? ` (messages: ${messages})` : ''}`, spec: base };
  },
  async analyse(ctx: AnalyseContext) {
    return { summary: `${ctx.experimentId}: ${ctx.status}${ctx.reason ? ` (${ctx.reason})` : ''}` };
  },
};

let stack: Stack;
let workers: { stop(): Promise<void> };

before(async () => {
  stack = await startStack();
  workers = await stack.startWorkers({ policies: { baseline: scripted } });
});

after(async () => {
  await workers.stop();
  await stack.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

test('a broken hook and an invalid spec fail their experiments with clear reasons and the loop goes on', async () => {
  const campaignId = await startCampaign(stack, smallCampaign('mistakes', 1, 3));
  const summary = await campaignResult(stack, campaignId);
  assert.equal(summary.agents[0]?.experimentsDone, 3);
  const { body } = await stack.api('GET', `/v1/campaigns/${campaignId}/experiments`);
  const [hook, zero, plain] = body.experiments;
  assert.equal(hook.status, 'invalid');
  assert.match(hook.failureReason, /hook_error/);
  assert.equal(zero.status, 'invalid');
  assert.match(zero.failureReason, /training\.epochs/);
  assert.equal(plain.status, 'scored');
});

test('an operator pauses, messages, resumes and stops an agent through the api', async () => {
  const campaignId = await startCampaign(stack, smallCampaign('steer', 1, 50));
  const agent = `/v1/campaigns/${campaignId}/agents/agent-1`;
  // Wait until the agent works on its third experiment (past the scripted mistakes), then pause it.
  await waitFor('experiment 2', async () => {
    const { body } = await stack.api('GET', `/v1/campaigns/${campaignId}/experiments`);
    return body.experiments.length >= 3 ? true : undefined;
  });
  assert.equal((await stack.api('POST', `${agent}/pause`, {})).status, 202);
  const paused = await waitFor('the agent to report paused', async () => {
    const { body } = await stack.api('GET', `/v1/campaigns/${campaignId}`);
    return body.agents[0].state === 'paused' ? body : undefined;
  });
  assert.equal(paused.agents[0].live, true);
  const countWhilePaused = (await stack.api('GET', `/v1/campaigns/${campaignId}/experiments`)).body
    .experiments.length;
  await sleep(3000);
  assert.equal(
    (await stack.api('GET', `/v1/campaigns/${campaignId}/experiments`)).body.experiments.length,
    countWhilePaused,
    'a paused agent proposes nothing',
  );

  assert.equal((await stack.api('POST', `${agent}/message`, { text: 'try a larger batch' })).status, 202);
  assert.equal((await stack.api('POST', `${agent}/resume`, {})).status, 202);
  const steered = await waitFor('a proposal carrying the message', async () => {
    const { body } = await stack.api('GET', `/v1/campaigns/${campaignId}/experiments`);
    return body.experiments.find((e: { hypothesis: string }) => e.hypothesis.includes('try a larger batch'));
  });
  assert.ok(steered);

  assert.equal((await stack.api('POST', `${agent}/stop`, { reason: 'enough' })).status, 202);
  const summary = await campaignResult(stack, campaignId);
  assert.equal(summary.agents[0]?.endReason, 'stopped by an operator');
  assert.ok(summary.agents[0]!.experimentsDone < 50);
  const actions = await stack.record.pool.query(
    'SELECT action FROM operator_actions WHERE campaign_id = $1 ORDER BY id',
    [campaignId],
  );
  assert.deepEqual(
    actions.rows.map((r) => r.action),
    ['start', 'pause', 'message', 'resume', 'stop'],
  );
});

test('a researcher continues as new between experiments and carries its state across', async () => {
  const spec = { ...smallCampaign('renew', 1, 4), advanced: { continueAsNewAfterExperiments: 1 } };
  const campaignId = await startCampaign(stack, spec);
  const summary = await campaignResult(stack, campaignId);
  assert.equal(summary.agents[0]?.experimentsDone, 4);
  const researcher = stack.temporal.client.workflow.getHandle(researcherWorkflowId(campaignId, 'agent-1'));
  const description = await researcher.describe();
  assert.notEqual(
    description.runId,
    description.raw.workflowExecutionInfo?.firstRunId,
    'the researcher ran in several histories',
  );
  const history = await researcher.query('historySummary');
  assert.deepEqual(
    (history as { experimentId: string }[]).map((h) => h.experimentId),
    [0, 1, 2, 3].map((n) => `${campaignId}-agent-1-000${n}`),
  );
});

test('a campaign budget signal stops new experiments once reached', async () => {
  const campaignId = await startCampaign(stack, smallCampaign('budget', 2, 50));
  await waitFor('the campaign to start', async () =>
    (await stack.api('GET', `/v1/campaigns/${campaignId}`)).status === 200 ? true : undefined,
  );
  assert.equal(
    (await stack.api('POST', `/v1/campaigns/${campaignId}/budget`, { experiments: 3 })).status,
    202,
  );
  const summary = await campaignResult(stack, campaignId);
  assert.equal(summary.experiments, 3, 'exactly the budget was granted');
  assert.match(summary.endReason, /experiment budget reached \(3 of 3\)/);
  const status = await stack.temporal.client.workflow
    .getHandle(campaignWorkflowId(campaignId))
    .query('campaignStatus');
  assert.equal((status as { granted: number }).granted, 3);
});
