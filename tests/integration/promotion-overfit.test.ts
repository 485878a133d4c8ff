import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Context } from '@temporalio/activity';
import type { ResearcherPolicy } from '../../activities/agent/policy.js';
import type { Executor, RunRequest } from '../../activities/executors/executor.js';
import { promotionWorkflowId } from '../../workflows/definitions.js';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { plantedExit, storePlantedResult } from '../helpers/planted-result.js';
import { type Stack, startStack } from '../helpers/stack.js';

/** An agent proposing the naive method: nothing in it can beat the naive baseline. */
const naiveAgent: ResearcherPolicy = {
  async propose(ctx) {
    return {
      hypothesis: 'a lucky configuration',
      spec: {
        specVersion: 1,
        task: ctx.taskId,
        loss: { kind: 'xent' },
        training: { epochs: 5, learningRate: 0.002, batchSize: 64 },
      },
    };
  },
  async analyse(ctx) {
    return { summary: `${ctx.experimentId}: PGR ${ctx.reportedPgr}` };
  },
};

let stack: Stack;
let workers: { stop(): Promise<void> };
let labels: number[];
let publicIndices: number[];

/**
 * Plants an overfit result: the agent's own runs are exactly right on the public half (as if the
 * seeds were lucky there) and arbitrary elsewhere; promotion arms (fresh seeds) run the real trainer.
 */
function plantingExecutor(real: Executor): Executor {
  return {
    async execute(request: RunRequest, context: Context) {
      if (request.runId.includes('-p-')) return await real.execute(request, context);
      const isPublic = new Set(publicIndices);
      const predictions = labels.map((label, i) => {
        const row = Array.from({ length: 10 }, () => 0);
        row[isPublic.has(i) ? label : (label + 1) % 10] = 1;
        return row;
      });
      await storePlantedResult(stack.record.pool, request, predictions);
      return plantedExit;
    },
  };
}

before(async () => {
  stack = await startStack();
  const task = await stack.evalDb.pool.query('SELECT test_labels, public_indices FROM tasks WHERE id = $1', [
    'mnist1d',
  ]);
  labels = task.rows[0].test_labels;
  publicIndices = task.rows[0].public_indices;
  workers = await stack.startWorkers({
    policies: { baseline: naiveAgent },
    executors: { local: plantingExecutor(stack.localExecutor()) },
  });
});

after(async () => {
  await workers.stop();
  await stack.close();
});

test('a method that wins on the public half by luck is rejected by the gate on fresh seeds', async () => {
  const spec = {
    ...smallCampaign('overfit', 1, 1),
    promotion: { auto: true, margin: 0.1, freshSeeds: 5, alpha: 0.05 },
  };
  const campaignId = await startCampaign(stack, spec);
  await campaignResult(stack, campaignId);
  const experimentId = `${campaignId}-agent-1-0000`;
  const board = await stack.api('GET', `/v1/campaigns/${campaignId}/leaderboard`);
  assert.ok(board.body.leaderboard[0].pgrMean > 1, 'the planted result looks spectacular on the public half');
  const outcome = (await stack.temporal.client.workflow
    .getHandle(promotionWorkflowId(experimentId))
    .result()) as {
    state: string;
    reason: string;
  };
  assert.equal(outcome.state, 'not_significant', outcome.reason);
  assert.match(outcome.reason, /private half vs naive/);
});
