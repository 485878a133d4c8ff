/**
 * Budgets and the researcher restart limit on Temporal's time-skipping test server: the real
 * campaign, researcher and experiment workflows on a real worker, with the real activities against
 * PostgreSQL and the eval server. Stand-ins (see campaign-stack.ts): runs train nothing (the
 * executor stores a result at once and reports its wall time); the restart test's agent-1 has a
 * policy that fails for good, as a misconfigured model would.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { createBaselinePolicy } from '../../activities/agent/baseline/baseline-policy.js';
import { TRAINER_DEFAULTS } from '../../activities/agent/policies.js';
import type { ResearcherPolicy } from '../../activities/agent/policy.js';
import { researcherWorkflowId } from '../../workflows/definitions.js';
import { type CampaignStack, startCampaignStack, testCampaign } from './campaign-stack.js';

/** workflows/campaign.ts MAX_RESTARTS: restarts allowed per agent (in a day) before the campaign gives up on it. */
const MAX_RESTARTS = 5;

/** A campaign that never ends fails its test instead of hanging the run. */
const LIMIT = { timeout: 180_000 };

let stack: CampaignStack;

before(async () => {
  stack = await startCampaignStack();
});

after(async () => {
  await stack?.close();
});

test('a spent GPU-hour budget ends the campaign after the experiment that spent it', LIMIT, async () => {
  // Each run reports one hour of executor wall time on one GPU: one GPU-hour per experiment.
  const run = await stack.open({ runWallSeconds: 3600 });
  try {
    const handle = await run.start(
      testCampaign('gpu-budget', 1, { budgets: { campaign: { gpuHours: 2.5 } } }),
    );
    const summary = await handle.result();

    assert.equal(summary.endReason, 'GPU-hour budget reached (3.000 of 2.5)');
    assert.equal(summary.experiments, 3);
    assert.equal(summary.gpuHours, 3);
    assert.equal(summary.agents[0]?.endReason, 'campaign GPU-hour budget reached (3.000 of 2.5)');
    const record = await stack.recordOf(summary.campaignId);
    assert.equal(record.status, 'completed');
    assert.deepEqual(record.experiments, ['scored', 'scored', 'scored']);
    assert.deepEqual(
      record.agents.map((a) => [a.id, a.status]),
      [['agent-1', 'done']],
    );
  } finally {
    await run.close();
  }
});

test(
  'a spent experiment budget ends the campaign with exactly that many experiments across its agents',
  LIMIT,
  async () => {
    const run = await stack.open();
    try {
      const handle = await run.start(
        testCampaign('exp-budget', 2, { budgets: { campaign: { experiments: 3 } } }),
      );
      const summary = await handle.result();

      assert.equal(summary.endReason, 'experiment budget reached (3 of 3)');
      assert.equal(summary.experiments, 3);
      assert.equal(
        summary.agents.reduce((sum, a) => sum + a.experimentsDone, 0),
        3,
      );
      const record = await stack.recordOf(summary.campaignId);
      assert.equal(record.experiments.length, 3);
      // The agent refused a slot is done; the other is done too, or stopped by the campaign's stop.
      const statuses = record.agents.map((a) => a.status);
      assert.ok(statuses.includes('done'), statuses.join());
      assert.ok(
        statuses.every((s) => s === 'done' || s === 'stopped'),
        statuses.join(),
      );
    } finally {
      await run.close();
    }
  },
);

test(
  'a researcher that keeps failing is restarted up to the limit, then marked stopped, and the campaign ends without it',
  LIMIT,
  async () => {
    const baseline = createBaselinePolicy(TRAINER_DEFAULTS);
    const brokenForAgent1: ResearcherPolicy = {
      async propose(ctx) {
        if (ctx.agentId === 'agent-1') {
          throw ApplicationFailure.nonRetryable('the model configuration is rejected', 'PolicyBroken');
        }
        return await baseline.propose(ctx);
      },
      analyse: (ctx) => baseline.analyse(ctx),
    };
    const run = await stack.open({ policies: { baseline: brokenForAgent1 } });
    try {
      const handle = await run.start(
        testCampaign('restarts', 2, { budgets: { perAgent: { experiments: 1 } } }),
      );
      const summary = await handle.result();
      const { campaignId } = summary;

      assert.equal(summary.endReason, 'every researcher finished');
      assert.deepEqual(
        summary.agents.map((a) => [a.agentId, a.experimentsDone, a.endReason]),
        [
          ['agent-1', 0, 'researcher did not complete'],
          ['agent-2', 1, 'agent experiment budget reached (1 of 1)'],
        ],
      );
      const record = await stack.recordOf(campaignId);
      const agent1 = record.agents.find((a) => a.id === 'agent-1');
      assert.equal(agent1?.status, 'stopped');
      assert.match(agent1?.detail ?? '', new RegExp(`^researcher failed after ${MAX_RESTARTS} restarts\\b`));
      const restarts = record.events.filter((e) => e.action === 'researcher_restarted');
      assert.deepEqual(
        restarts.map((e) => [e.agentId, e.detail.restarts, e.detail.status]),
        Array.from({ length: MAX_RESTARTS }, (_, i) => ['agent-1', i + 1, 'failed']),
      );
      // The last restart's researcher ran and failed; no restart came after it.
      const client = run.env.client.workflow;
      const last = await client
        .getHandle(researcherWorkflowId(campaignId, 'agent-1', MAX_RESTARTS))
        .describe();
      assert.equal(last.status.name, 'FAILED');
      await assert.rejects(
        client.getHandle(researcherWorkflowId(campaignId, 'agent-1', MAX_RESTARTS + 1)).describe(),
        WorkflowNotFoundError,
      );
    } finally {
      await run.close();
    }
  },
);
