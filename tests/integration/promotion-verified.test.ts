import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ResearcherPolicy } from '../../activities/agent/policy.js';
import { insertFlag } from '../../activities/store/integrity-flags.js';
import { promotionWorkflowId } from '../../workflows/definitions.js';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { type Stack, startStack } from '../helpers/stack.js';

/** An agent that proposes the auxiliary confidence loss: a method known to help on this task. */
const logconfAgent: ResearcherPolicy = {
  async propose(ctx) {
    return {
      hypothesis: 'the auxiliary confidence loss recovers more of the gap',
      spec: {
        specVersion: 1,
        task: ctx.taskId,
        loss: { kind: 'logconf' },
        training: { epochs: 20, learningRate: 0.002, batchSize: 64 },
      },
    };
  },
  async analyse(ctx) {
    return {
      summary: `${ctx.experimentId}: PGR ${ctx.reportedPgr}`,
      post: { kind: 'result', title: 'logconf works', body: 'claim' },
    };
  },
};

let stack: Stack;
let workers: { stop(): Promise<void> };

before(async () => {
  stack = await startStack({
    tasks: [
      { task: 'mnist1d', size: 'default' },
      { task: 'motifs1d', size: 'default' },
    ],
  });
  workers = await stack.startWorkers({ policies: { baseline: logconfAgent } });
});

after(async () => {
  await workers.stop();
  await stack.close();
});

test('a real improvement is verified on fresh seeds, the private half and the held-out task, then signed off', async () => {
  const spec = {
    ...smallCampaign('gate', 1, 1),
    heldOutTask: 'motifs1d',
    promotion: { auto: true, margin: 0, freshSeeds: 5, alpha: 0.05, requireDistinctApprover: true },
  };
  const campaignId = await startCampaign(stack, spec);
  await campaignResult(stack, campaignId);
  const experimentId = `${campaignId}-agent-1-0000`;
  const handle = stack.temporal.client.workflow.getHandle(promotionWorkflowId(experimentId));

  // The gate waits for a human once verified: poll its query until the verdict is in.
  let status = await handle.query('promotionStatus');
  for (let i = 0; i < 600 && (status as { state: string }).state === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 500));
    status = await handle.query('promotionStatus');
  }
  const promotion = (await stack.api('GET', `/v1/promotions/${promotionWorkflowId(experimentId)}`)).body;
  assert.equal(promotion.state, 'verified', promotion.reason);
  assert.equal(promotion.trigger, 'auto');
  assert.deepEqual(promotion.freshSeeds, [1100, 1101, 1102, 1103, 1104]);
  assert.ok(promotion.numbers.private.vsNaive.pgrDifference > 0);
  assert.ok(promotion.numbers.private.vsNaive.pValue < promotion.numbers.threshold);
  assert.ok(promotion.numbers.heldOut.vsNaive.pValue < promotion.numbers.threshold);
  assert.match(promotion.reason, /private half vs naive: \+0\.\d+ PGR/);

  // Each arm ran once per fresh seed, as experiments of kind 'promotion' that agents never list.
  const arms = await stack.record.pool.query(
    "SELECT id FROM experiments WHERE kind = 'promotion' ORDER BY id",
  );
  assert.equal(arms.rows.length, 4);
  const listed = await stack.api('GET', `/v1/campaigns/${campaignId}/experiments`);
  assert.equal(listed.body.experiments.length, 1, 'promotion arms are not research experiments');

  // The verdict sits under the agent's claim on the forum.
  const verdictPost = await stack.record.pool.query(
    'SELECT parent_id, author_kind FROM forum_posts WHERE idempotency_key = $1',
    [`${promotionWorkflowId(experimentId)}:verdict`],
  );
  assert.equal(verdictPost.rows[0].author_kind, 'system');
  assert.notEqual(verdictPost.rows[0].parent_id, null);

  const refused = await stack.api('POST', `/v1/promotions/${promotionWorkflowId(experimentId)}/sign-off`, {
    accept: true,
    reason: 'x',
  });
  assert.equal(refused.status, 400, 'a reason of a few words is required');
  // The operator reads the promotion and signs it off with the CLI.
  const { aar, stackEnv } = await import('../cli/cli-runner.js');
  const table = await aar(stackEnv(stack), ['promotion', 'list', campaignId]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /verified/);
  const shown = await aar(stackEnv(stack), [
    'promotion',
    'show',
    promotionWorkflowId(experimentId),
    '--json',
  ]);
  assert.equal(JSON.parse(shown.stdout).state, 'verified');
  const noReason = await aar(stackEnv(stack), ['promotion', 'sign-off', promotionWorkflowId(experimentId)]);
  assert.equal(noReason.code, 2, 'a sign-off without a reason is a usage error');
  // Signing off needs the approver role, and this campaign an approver other than its launcher
  // (the configured token started it); the identity recorded is the token's, whatever the body says.
  const promotionId = promotionWorkflowId(experimentId);
  const mint = async (name: string, role: string) =>
    JSON.parse(
      (await aar(stackEnv(stack), ['operator', 'mint', '--name', name, '--role', role, '--json'])).stdout,
    ).token as string;
  const carol = await mint('carol', 'operator');
  const alice = await mint('alice', 'approver');
  const asCarol = await aar(stackEnv(stack, { AAR_OPERATOR_TOKEN: carol }), [
    'promotion',
    'sign-off',
    promotionId,
    '--reason',
    'looks good',
  ]);
  assert.equal(asCarol.code, 1);
  assert.match(asCarol.stderr, /needs the approver role/);
  const byLauncher = await aar(stackEnv(stack), [
    'promotion',
    'sign-off',
    promotionId,
    '--reason',
    'my own result',
  ]);
  assert.equal(byLauncher.code, 1);
  assert.match(byLauncher.stderr, /requires an approver other than its launcher \(operator-token\)/);
  // An open critical flag on the candidate holds the sign-off back until an approver clears it.
  const flag = await insertFlag(stack.record.pool, {
    campaignId,
    experimentId,
    agentId: 'agent-1',
    kind: 'test_shortcut',
    severity: 'critical',
    message: 'planted by the test',
    detail: {},
    dedupeKey: `${experimentId}:planted`,
  });
  const aliceEnv = stackEnv(stack, { AAR_OPERATOR_TOKEN: alice });
  const held = await aar(aliceEnv, ['promotion', 'sign-off', promotionId, '--reason', 'replicated']);
  assert.equal(held.code, 1);
  assert.match(held.stderr, new RegExp(`open critical integrity flags: #${flag!.id} test_shortcut`));
  const cleared = await aar(aliceEnv, [
    'flags',
    'clear',
    String(flag!.id),
    '--reason',
    'planted by the test',
    '--json',
  ]);
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.equal(JSON.parse(cleared.stdout).clearedBy, 'alice');
  const signedAnswer = await fetch(`${stack.apiUrl}/v1/promotions/${promotionId}/sign-off`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${alice}`,
      'content-type': 'application/json',
      'x-aar-operator': 'mallory',
    },
    body: JSON.stringify({
      accept: true,
      reason: 'replicated on fresh seeds and transfers',
      operator: 'mallory',
    }),
  });
  const signed = (await signedAnswer.json()) as { state: string; signedOffBy: string };
  assert.equal(signedAnswer.status, 200, JSON.stringify(signed));
  assert.deepEqual([signed.state, signed.signedOffBy], ['accepted', 'alice']);
  const final = (await handle.result()) as { state: string };
  assert.equal(final.state, 'accepted');
  const again = await stack.api('POST', `/v1/promotions/${promotionWorkflowId(experimentId)}/sign-off`, {
    accept: false,
    reason: 'changed my mind',
  });
  assert.equal(again.status, 409);
});
