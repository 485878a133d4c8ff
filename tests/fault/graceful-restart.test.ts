import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { ResearcherPolicy } from '../../activities/agent/policy.js';
import { RunFolder } from '../../activities/executors/local/run-folder.js';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { assertExactlyOnce } from '../helpers/exactly-once.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * A graceful restart of the workers (a deploy) must not kill the local runs in flight: the
 * activities are cancelled with WORKER_SHUTDOWN, the sandboxed runs go on, and the next worker's
 * activities adopt them. Each run's hook holds it for a while, so the restart surely lands mid-run.
 */
const SLOW_HOOK = `import time
time.sleep(12)

def loss(logits, weak_probs, progress):
    return -(weak_probs * F.log_softmax(logits, dim=-1)).sum(-1).mean()
`;

const slowAgent: ResearcherPolicy = {
  async propose(ctx) {
    return {
      hypothesis: 'a slow but honest run',
      spec: {
        specVersion: 1,
        task: ctx.taskId,
        loss: { kind: 'xent' },
        training: { epochs: 2, learningRate: 0.002, batchSize: 64 },
        hook: { source: SLOW_HOOK },
      },
    };
  },
  async analyse(ctx) {
    return {
      summary: `${ctx.experimentId} done`,
      post: { kind: 'result', title: 'A slow run', body: `${ctx.experimentId} finished after a restart.` },
    };
  },
};

let stack: Stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a graceful restart of the workers leaves local runs running, and the next worker adopts them', async () => {
  let workers = await stack.startWorkers({ policies: { baseline: slowAgent } });
  const campaignId = await startCampaign(stack, smallCampaign('graceful', 1, 1));
  const runFolder = (seed: number) =>
    new RunFolder(join(stack.runsDir, `${campaignId}-agent-1-0000-s${seed}-a1`));
  // Both seeds launched and still in their hook's sleep.
  for (let i = 0; i < 120; i++) {
    if ([0, 1].every((seed) => runFolder(seed).launchRecord()?.pid)) break;
    await sleep(250);
  }
  const pids = [0, 1].map((seed) => runFolder(seed).launchRecord()?.pid ?? 0);
  assert.ok(
    pids.every((pid) => pid > 0),
    'both runs launched',
  );

  await workers.stop();
  assert.deepEqual(pids.map(alive), [true, true], 'the graceful shutdown left both runs running');
  assert.deepEqual(
    [0, 1].map((seed) => runFolder(seed).exitRecord()),
    [null, null],
    'neither run had ended',
  );

  workers = await stack.startWorkers({ policies: { baseline: slowAgent } });
  try {
    const summary = await campaignResult(stack, campaignId);
    assert.equal(summary.status, 'completed');
    // One trainer start per run, a result for each, one submission: nothing lost, nothing twice.
    await assertExactlyOnce(stack, campaignId);
  } finally {
    await workers.stop();
  }
});
