import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Context } from '@temporalio/activity';
import type { ResearcherPolicy } from '../../activities/agent/policy.js';
import type { EvalClient } from '../../activities/eval/eval-client.js';
import type { Executor, RunRequest } from '../../activities/executors/executor.js';
import { createPromotionActivities } from '../../activities/promotion-activities.js';
import { clearFlag, insertFlag, openCriticalFlags } from '../../activities/store/integrity-flags.js';
import { storeResult } from '../../activities/store/runs.js';
import { promotionWorkflowId } from '../../workflows/definitions.js';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { plantedExit } from '../helpers/planted-result.js';
import { testLogger } from '../helpers/silent-logger.js';
import { type Stack, startStack } from '../helpers/stack.js';

/** An agent that proposes one plain experiment and states no numbers (no discrepancy flag). */
const quietAgent: ResearcherPolicy = {
  async propose(ctx) {
    return {
      hypothesis: 'a plain run',
      spec: {
        specVersion: 1,
        task: ctx.taskId,
        loss: { kind: 'xent' },
        training: { epochs: 1, learningRate: 0.002, batchSize: 64 },
      },
    };
  },
  async analyse(ctx) {
    return { summary: `${ctx.experimentId} done` };
  },
};

let stack: Stack;
let workers: { stop(): Promise<void> };
let labels: number[];
const blockedSpec = {
  ...smallCampaign('blocked', 1, 1),
  promotion: { auto: true, margin: 0, freshSeeds: 5, alpha: 0.05 },
};
const warnedSpec = {
  ...smallCampaign('warned', 1, 1),
  promotion: { auto: true, margin: 0, freshSeeds: 5, alpha: 0.05 },
};
const blockedExperiment = `${blockedSpec.id}-agent-1-0000`;
const warnedExperiment = `${warnedSpec.id}-agent-1-0000`;
let finished: Promise<unknown>;

/**
 * Plants exactly right predictions for every run (a public PGR near 1, so each experiment beats
 * the campaign best by the margin). The blocked campaign's runs also record a sandbox refusal (the
 * real integrity check makes it a critical flag); the warned campaign's runs copy their weak labels
 * (a warning only). Promotion arms get the plain predictions.
 */
function plantingExecutor(): Executor {
  return {
    async execute(request: RunRequest, _context: Context) {
      const arm = request.runId.includes('-p-');
      await storeResult(stack.record.pool, request.runId, {
        resultVersion: 1,
        status: 'succeeded',
        task: request.taskId,
        seed: request.spec.seed ?? 0,
        spec: null,
        predictions: labels.map((label) => Array.from({ length: 10 }, (_, c) => (c === label ? 1 : 0))),
        curve: [],
        weakValidationAccuracy: null,
        stoppedEpoch: null,
        trainExamples: null,
        wallSeconds: 0,
        device: 'planted',
        versions: {},
        ...(!arm && request.runId.startsWith(blockedSpec.id)
          ? { sandboxEvents: [{ event: 'forbidden-path', detail: 'openat /srv/aar/labels.json (EACCES)' }] }
          : {}),
        ...(!arm && request.runId.startsWith(warnedSpec.id) ? { weakAgreement: 0.995 } : {}),
      });
      return plantedExit;
    },
  };
}

/** Waits until a promotion workflow has closed, whatever its verdict. */
async function promotionClosed(experimentId: string): Promise<{ state: string }> {
  return (await stack.temporal.client.workflow.getHandle(promotionWorkflowId(experimentId)).result()) as {
    state: string;
  };
}

before(async () => {
  stack = await startStack();
  const task = await stack.evalDb.pool.query('SELECT test_labels FROM tasks WHERE id = $1', ['mnist1d']);
  labels = task.rows[0].test_labels;
  workers = await stack.startWorkers({
    policies: { baseline: quietAgent },
    executors: { local: plantingExecutor() },
  });
  await startCampaign(stack, blockedSpec);
  await startCampaign(stack, warnedSpec);
  finished = Promise.all([campaignResult(stack, blockedSpec.id), campaignResult(stack, warnedSpec.id)]);
});

after(async () => {
  // A promotion that is still open (a failed test) must not outlive the stack on the shared server.
  for (const id of [blockedExperiment, warnedExperiment]) {
    await stack.temporal.client.workflow
      .getHandle(promotionWorkflowId(id))
      .terminate('test over')
      .catch(() => undefined);
  }
  await workers.stop();
  await stack.close();
});

test('an experiment with an open critical flag is not promoted automatically, and the campaign records why', async () => {
  await finished;
  const flags = await openCriticalFlags(stack.record.pool, blockedExperiment);
  assert.deepEqual(
    flags.map((f) => f.kind),
    ['sandbox'],
  );
  const promotions = await stack.record.pool.query('SELECT id FROM promotions WHERE experiment_id = $1', [
    blockedExperiment,
  ]);
  assert.equal(promotions.rows.length, 0, 'no promotion was recorded');
  await assert.rejects(
    stack.temporal.client.workflow.getHandle(promotionWorkflowId(blockedExperiment)).describe(),
    /not found/i,
    'no promotion workflow was started',
  );
  const withheld = await stack.record.pool.query(
    "SELECT actor, detail FROM operator_actions WHERE campaign_id = $1 AND action = 'promotion_withheld'",
    [blockedSpec.id],
  );
  assert.equal(withheld.rows.length, 1);
  assert.equal(withheld.rows[0].actor, 'promotion-gate');
  assert.equal(withheld.rows[0].detail.experimentId, blockedExperiment);
  assert.deepEqual(
    withheld.rows[0].detail.flags.map((f: { id: string }) => f.id),
    flags.map((f) => f.id),
  );
});

test('a warning-only flag does not hold back the automatic promotion', async () => {
  await finished;
  const kinds = await stack.record.pool.query(
    'SELECT kind, severity FROM integrity_flags WHERE experiment_id = $1',
    [warnedExperiment],
  );
  assert.deepEqual(kinds.rows, [{ kind: 'weak_copy', severity: 'warning' }]);
  assert.deepEqual(await openCriticalFlags(stack.record.pool, warnedExperiment), []);
  await promotionClosed(warnedExperiment);
  const promotion = await stack.api('GET', `/v1/promotions/${promotionWorkflowId(warnedExperiment)}`);
  assert.equal(promotion.status, 200);
  assert.equal(promotion.body.trigger, 'auto');
});

test('clearing a flag twice answers already_cleared and audits the clearing once', async () => {
  await finished;
  const [flag] = await openCriticalFlags(stack.record.pool, blockedExperiment);
  assert.ok(flag);
  assert.equal(
    await clearFlag(stack.record.pool, { flagId: '987654321', clearedBy: 'alice', reason: 'no such flag' }),
    'not_found',
  );
  assert.equal(
    await clearFlag(stack.record.pool, { flagId: 'sandbox', clearedBy: 'alice', reason: 'not an id' }),
    'not_found',
  );
  const clearing = { flagId: flag.id, clearedBy: 'alice', reason: 'the label path is our own test fixture' };
  const outcomes = await Promise.all([
    clearFlag(stack.record.pool, clearing),
    clearFlag(stack.record.pool, clearing),
  ]);
  assert.deepEqual(outcomes.sort(), ['already_cleared', 'cleared']);
  assert.equal(await clearFlag(stack.record.pool, { ...clearing, clearedBy: 'bob' }), 'already_cleared');
  const row = await stack.record.pool.query(
    'SELECT cleared_by, clear_reason, cleared_at FROM integrity_flags WHERE id = $1',
    [flag.id],
  );
  assert.equal(row.rows[0].cleared_by, 'alice');
  assert.equal(row.rows[0].clear_reason, clearing.reason);
  assert.ok(row.rows[0].cleared_at instanceof Date);
  const audit = await stack.record.pool.query(
    "SELECT actor, detail FROM operator_actions WHERE campaign_id = $1 AND action = 'clear_flag'",
    [blockedSpec.id],
  );
  assert.equal(audit.rows.length, 1);
  assert.equal(audit.rows[0].actor, 'alice');
  assert.equal(audit.rows[0].detail.flagId, flag.id);
  assert.equal(audit.rows[0].detail.reason, clearing.reason);
  assert.deepEqual(await openCriticalFlags(stack.record.pool, blockedExperiment), []);
});

test('once its critical flag is cleared, an operator can put the experiment through the gate', async () => {
  assert.deepEqual(await openCriticalFlags(stack.record.pool, blockedExperiment), []);
  const started = await stack.api('POST', `/v1/experiments/${blockedExperiment}/promote`);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  await promotionClosed(blockedExperiment);
  const promotion = await stack.api('GET', `/v1/promotions/${promotionWorkflowId(blockedExperiment)}`);
  assert.equal(promotion.status, 200);
  assert.equal(promotion.body.trigger, 'operator');
});

test('the gate does not record an acceptance while the candidate has an open critical flag', async () => {
  const pool = stack.record.pool;
  const activities = createPromotionActivities({ pool, logger: testLogger, eval: {} as EvalClient });
  const promotionId = `promotion-${warnedExperiment}-signoff`;
  await pool.query(
    `INSERT INTO promotions (id, campaign_id, experiment_id, trigger, requested_by, status, candidate_number, fresh_seeds)
     VALUES ($1, $2, $3, 'operator', 'test', 'verified', 99, '{1}')`,
    [promotionId, warnedSpec.id, warnedExperiment],
  );
  // A probe the eval server recorded against the experiment: an agent's flag naming the experiment.
  const probe = await insertFlag(pool, {
    campaignId: warnedSpec.id,
    experimentId: null,
    agentId: 'agent-1',
    kind: 'eval_probe',
    severity: 'critical',
    message: 'the eval server flagged a submission as a probe',
    detail: { violationId: 1, experimentId: warnedExperiment },
    dedupeKey: `${warnedSpec.id}:test-probe`,
  });
  assert.ok(probe);
  const signOff = { promotionId, operator: 'alice', reason: 'replicated on fresh seeds' };
  await assert.rejects(activities.recordPromotionSignOff({ ...signOff, accept: true }), (error: Error) => {
    assert.equal((error as { type?: string }).type, 'PromotionRefused');
    assert.match(error.message, /open critical integrity flags/);
    return true;
  });
  const state = async () =>
    (await pool.query('SELECT status FROM promotions WHERE id = $1', [promotionId])).rows[0].status;
  assert.equal(await state(), 'verified');
  assert.equal(
    await clearFlag(pool, {
      flagId: String(probe.id),
      clearedBy: 'alice',
      reason: 'a re-submission, not a probe',
    }),
    'cleared',
  );
  const accepted = await activities.recordPromotionSignOff({ ...signOff, accept: true });
  assert.equal(accepted.state, 'accepted');
  assert.equal(accepted.signedOffBy, 'alice');
});

test('the report shows which flags are open and who cleared the others, when and why', async () => {
  const { blockedFlag } = (
    await stack.record.pool.query(
      'SELECT id::text AS "blockedFlag" FROM integrity_flags WHERE experiment_id = $1 AND kind = \'sandbox\'',
      [blockedExperiment],
    )
  ).rows[0];
  const data = (await stack.api('GET', `/v1/campaigns/${blockedSpec.id}/report?format=json`)).body;
  const flag = data.flags.find((f: { id: number }) => String(f.id) === blockedFlag);
  assert.equal(flag.clearedBy, 'alice');
  assert.equal(flag.clearReason, 'the label path is our own test fixture');
  assert.ok(flag.clearedAt);
  const fetchReport = (format: string, campaignId: string) =>
    fetch(`${stack.apiUrl}/v1/campaigns/${campaignId}/report?format=${format}`, {
      headers: { authorization: `Bearer ${stack.operatorToken}` },
    }).then((r) => r.text());
  const cleared = new RegExp(
    `cleared by alice at ${flag.clearedAt.replaceAll('.', '\\.')}: the label path is our own test fixture`,
  );
  const markdown = await fetchReport('md', blockedSpec.id);
  assert.match(markdown, /\| state \|/);
  assert.match(markdown, cleared);
  assert.match(markdown, /0 critical flags open/);
  const html = await fetchReport('html', blockedSpec.id);
  assert.match(html, cleared);
  assert.match(html, /<th>state<\/th>/);
  const warned = await fetchReport('md', warnedSpec.id);
  assert.match(warned, /\| warning \| weak_copy \|.*\| open \|/);
});
