import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { Registry } from 'prom-client';
import { createPolicies } from '../../activities/agent/policies.js';
import type { ResearcherPolicy } from '../../activities/agent/policy.js';
import {
  campaignWorkflowId,
  type ResearcherStatus,
  researcherStatusQuery,
  researcherWorkflowId,
} from '../../workflows/definitions.js';
import { aar, stackEnv } from '../cli/cli-runner.js';
import { campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { assertExactlyOnce } from '../helpers/exactly-once.js';
import { type PrivateServices, startPrivateServices } from '../helpers/private-services.js';
import { testLogger } from '../helpers/silent-logger.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

/**
 * Outages a week-long campaign meets (issue 18), for real: the Temporal server and PostgreSQL are
 * this file's own (tests/helpers/private-services.ts), stopped and started by the dev-stack
 * scripts while a campaign runs; the campaign workflow is reset with the runbook's command.
 */

let services: PrivateServices;
let frontend: TcpProxy;
let stack: Stack;
const savedEnv: Record<string, string | undefined> = {};

before(async () => {
  services = await startPrivateServices();
  for (const [name, value] of Object.entries(services.env)) {
    savedEnv[name] = process.env[name];
    process.env[name] = value;
  }
  // The stack's client (the api server's, and the in-process watchers') reaches the Temporal
  // frontend through a proxy a test can cut, as a load balancer in front of it can fail; the
  // workers' own connection goes straight to the server.
  frontend = await startTcpProxy(services.env.TEMPORAL_ADDRESS!);
  stack = await startStack({ temporalClientAddress: frontend.address });
});

after(async () => {
  await frontend?.restore();
  await stack?.close();
  await frontend?.close();
  await services?.close();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the campaign has at least `n` experiments recorded, so the fault lands mid-campaign. */
async function experimentsRecorded(campaignId: string, n: number): Promise<void> {
  for (;;) {
    const { rows } = await stack.record.pool
      .query('SELECT count(*)::int AS n FROM experiments WHERE campaign_id = $1', [campaignId])
      .catch(() => ({ rows: [{ n: 0 }] }));
    if ((rows[0]?.n ?? 0) >= n) return;
    await sleep(300);
  }
}

/** What must hold after any of these faults: no agent restarted, every researcher ran exactly once. */
async function assertNoResearcherRestarted(campaignId: string, agents: number): Promise<void> {
  const restarts = await stack.record.pool.query(
    "SELECT detail FROM operator_actions WHERE campaign_id = $1 AND action = 'researcher_restarted'",
    [campaignId],
  );
  assert.deepEqual(
    restarts.rows.map((r) => r.detail),
    [],
    'no researcher was restarted',
  );
  for (let i = 1; i <= agents; i++) {
    const agentId = `agent-${i}`;
    const replacement = await stack.temporal.client.workflow
      .getHandle(researcherWorkflowId(campaignId, agentId, 1))
      .describe()
      .then(
        () => 'started',
        (error: unknown) => (error instanceof WorkflowNotFoundError ? 'none' : error),
      );
    assert.equal(replacement, 'none', `no replacement researcher -r1 was started for ${agentId}`);
    const runs = [];
    for await (const run of stack.temporal.client.workflow.list({
      query: `WorkflowId = "${researcherWorkflowId(campaignId, agentId)}"`,
    }))
      runs.push(`${run.runId} ${run.status.name}`);
    assert.equal(runs.length, 1, `${agentId}'s researcher ran once: ${runs.join(', ')}`);
    assert.match(runs[0]!, / COMPLETED$/);
  }
}

/**
 * How long the watchers' way to the Temporal frontend stays cut: longer than the client's own
 * retries (the SDK's default, 10 attempts in about 20 s), after which a call fails. The issue's
 * outage lasts two minutes; what follows a failed call is the same after 30 s, so the test waits
 * no longer.
 */
const FRONTEND_OUTAGE_MS = 30_000;
/** How long the whole Temporal server is stopped (it then takes a few seconds to start). */
const SERVER_OUTAGE_MS = 5000;

test('Temporal out of reach for longer than the client retries restarts no researcher, and the campaign finishes', async (t) => {
  const workers = await stack.startWorkers();
  try {
    const campaignId = await startCampaign(stack, smallCampaign('temporal-outage', 2, 3));
    await experimentsRecorded(campaignId, 2);
    await frontend.cut();
    const cutAt = Date.now();
    // The watchers' kind of call, from their client: it fails once its retries are spent.
    const probe = await stack.temporal.client.workflow
      .getHandle(campaignWorkflowId(campaignId))
      .describe()
      .then(
        () => null,
        (error: unknown) => error,
      );
    const gaveUpAfterMs = Date.now() - cutAt;
    assert.ok(probe instanceof Error, 'a client call failed while the frontend was out of reach');
    await sleep(Math.max(0, FRONTEND_OUTAGE_MS - (Date.now() - cutAt)));
    assert.ok(Date.now() - cutAt > gaveUpAfterMs + 5000, 'the outage outlasted the client retries');
    await frontend.restore();
    t.diagnostic(
      `frontend cut for ${Date.now() - cutAt} ms; a client call gave up after ${gaveUpAfterMs} ms`,
    );
    // Then the whole server goes away: the workers' own connection too.
    await services.stopTemporal();
    await sleep(SERVER_OUTAGE_MS);
    await services.startTemporal();

    const summary = await campaignResult(stack, campaignId);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.experiments, 6);
    await assertNoResearcherRestarted(campaignId, 2);
    assert.match(
      await stack.workerMetrics(),
      /aar_dependency_unavailable_total\{dependency="temporal"\} [1-9]/,
      'the watchers met the outage and waited it out',
    );
    const report = await assertExactlyOnce(stack, campaignId);
    t.diagnostic(`counts ${JSON.stringify(report)}`);
  } finally {
    await workers.stop();
  }
});

/** How long PostgreSQL stays down: longer than the policy retry window the campaign below sets. */
const POSTGRES_OUTAGE_MS = 30_000;

test('a PostgreSQL outage longer than the retry window fails nothing, and the agent shows it is waiting', async (t) => {
  const baseline = createPolicies({ pool: stack.record.pool, logger: testLogger, registry: new Registry() })
    .baseline!;
  // The outage begins inside the first analysis, so the step's own write and what follows it meet it.
  let stopped: Promise<void> | undefined;
  const policy: ResearcherPolicy = {
    propose: (ctx) => baseline.propose(ctx),
    async analyse(ctx) {
      const analysis = await baseline.analyse(ctx);
      stopped ??= services.stopPostgres();
      await stopped;
      return analysis;
    },
  };
  const workers = await stack.startWorkers({ policies: { baseline: policy } });
  try {
    // A policy step fails for good after two attempts (about a second): far shorter than the outage.
    const spec = smallCampaign('postgres-outage', 1, 2, {
      advanced: { policyRetry: { maximumAttempts: 2, maximumIntervalSeconds: 1 } },
    });
    const campaignId = await startCampaign(stack, spec);
    while (stopped === undefined) await sleep(200);
    await stopped;
    const down = Date.now();
    const researcher = stack.temporal.client.workflow.getHandle(researcherWorkflowId(campaignId, 'agent-1'));
    let waiting: ResearcherStatus | undefined;
    while (Date.now() - down < POSTGRES_OUTAGE_MS) {
      const status = await researcher.query(researcherStatusQuery);
      if (status.state === 'waiting' && /database/.test(status.detail)) waiting ??= status;
      await sleep(500);
    }
    await services.startPostgres();
    t.diagnostic(`postgres down ${Date.now() - down} ms; the agent said: ${waiting?.detail}`);
    assert.ok(waiting, 'while the database was down, the agent state said it waits for the database');

    const summary = await campaignResult(stack, campaignId);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.experiments, 2);
    assert.equal(summary.agents[0]?.experimentsDone, 2);
    await assertNoResearcherRestarted(campaignId, 1);
    const report = await assertExactlyOnce(stack, campaignId);
    assert.match(
      await stack.workerMetrics(),
      /aar_dependency_unavailable_total\{dependency="database"\} [1-9]/,
      'the waits were counted for operators',
    );
    t.diagnostic(`counts ${JSON.stringify(report)}`);
  } finally {
    await workers.stop();
  }
});

test('resetting the campaign workflow with the runbook command while researchers run duplicates none', async (t) => {
  const workers = await stack.startWorkers();
  try {
    const campaignId = await startCampaign(stack, smallCampaign('campaign-reset', 2, 2));
    await experimentsRecorded(campaignId, 2);
    // The first completed workflow task: before the campaign started any researcher, so the reset
    // run starts every one of them again while they run.
    const history = await stack.temporal.client.workflow
      .getHandle(campaignWorkflowId(campaignId))
      .fetchHistory();
    const first = history.events?.find((e) => e.workflowTaskCompletedEventAttributes);
    assert.ok(first?.eventId, 'the campaign has a completed workflow task');
    const reset = await aar(stackEnv(stack), [
      'campaign',
      'reset',
      campaignId,
      '--event-id',
      String(first.eventId),
    ]);
    assert.equal(reset.code, 0, `aar campaign reset failed: ${reset.stderr}`);
    t.diagnostic(reset.stdout.trim());

    const summary = await campaignResult(stack, campaignId);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.experiments, 4);
    assert.deepEqual(
      summary.agents.map((a) => a.endReason),
      ['agent experiment budget reached (2 of 2)', 'agent experiment budget reached (2 of 2)'],
    );
    await assertNoResearcherRestarted(campaignId, 2);
    await assertExactlyOnce(stack, campaignId);
  } finally {
    await workers.stop();
  }
});
