/**
 * The campaign deadline on Temporal's time-skipping test server: the real campaign, researcher and
 * experiment workflows on a real worker, with the real activities against PostgreSQL and the eval
 * server; days of campaign time pass in seconds. Stand-ins (see campaign-stack.ts and
 * time-skipping-interceptors.ts): runs train nothing (the executor stores a result at once), and
 * the researcher watcher is scheduled without its heartbeat and start-to-close timeouts, which a
 * skip of days would fire.
 *
 * Time skips only while nothing runs: these campaigns are paused (their researchers wait for a
 * slot) while days go by, as a campaign whose operator paused it and went away would.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import {
  campaignStatusQuery,
  pauseSignal,
  researcherWorkflowId,
  resumeSignal,
  setBudgetSignal,
  stopSignal,
} from '../../workflows/definitions.js';
import { eventually } from '../helpers/eventually.js';
import { type CampaignStack, startCampaignStack, testCampaign } from './campaign-stack.js';

const HOUR = 3_600_000;

/** A campaign that never ends fails its test instead of hanging the run. */
const LIMIT = { timeout: 180_000 };

let stack: CampaignStack;

before(async () => {
  stack = await startCampaignStack();
});

after(async () => {
  await stack?.close();
});

const granted = (handle: WorkflowHandle, atLeast: number) =>
  eventually(`${atLeast} experiments granted`, async () => {
    const status = await handle.query(campaignStatusQuery);
    return status.granted >= atLeast ? status : undefined;
  });

test(
  'a paused campaign still ends at its deadline, three simulated days after its start',
  LIMIT,
  async () => {
    const run = await stack.open();
    try {
      const handle = await run.start(
        testCampaign('deadline', 1, { budgets: { campaign: { deadlineHours: 72 } } }),
      );
      await granted(handle, 1);
      await handle.signal(pauseSignal);
      const summary = await handle.result();

      assert.equal(summary.endReason, 'deadline reached');
      assert.ok(
        summary.elapsedHours >= 72 && summary.elapsedHours < 73,
        `ended after ${summary.elapsedHours} h`,
      );
      assert.ok(summary.experiments >= 1);
      assert.equal(summary.agents[0]?.experimentsDone, summary.experiments);
      const record = await stack.recordOf(summary.campaignId);
      assert.equal(record.status, 'completed');
      assert.deepEqual(
        record.agents.map((a) => [a.id, a.status]),
        [['agent-1', 'stopped']],
      );
      assert.deepEqual(
        record.experiments,
        Array.from({ length: summary.experiments }, () => 'scored'),
      );
    } finally {
      await run.close();
    }
  },
);

/** Starts a paused campaign with `deadlineHours`, lets `afterHours` pass, then sets `budget`. */
async function changeDeadline(
  name: string,
  deadlineHours: number,
  afterHours: number,
  budget: { deadlineHours?: number },
) {
  const run = await stack.open();
  const handle = await run.start(testCampaign(name, 1, { budgets: { campaign: { deadlineHours } } }));
  await handle.signal(pauseSignal);
  await run.env.sleep(afterHours * HOUR);
  await handle.signal(setBudgetSignal, budget);
  return { run, handle };
}

/** The campaign's history replays on today's workflow code (the deadline timer is deterministic). */
async function assertReplays(handle: WorkflowHandle) {
  const history = await handle.fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: stack.workflowBundle }, history, handle.workflowId);
}

test(
  'an extended deadline is honoured: the campaign ends at the new deadline, not the first',
  LIMIT,
  async () => {
    const { run, handle } = await changeDeadline('extended', 24, 12, { deadlineHours: 48 });
    try {
      const summary = await handle.result();
      assert.equal(summary.endReason, 'deadline reached');
      assert.ok(
        summary.elapsedHours >= 48 && summary.elapsedHours < 49,
        `ended after ${summary.elapsedHours} h`,
      );
      await assertReplays(handle);
    } finally {
      await run.close();
    }
  },
);

test(
  'a shortened deadline is honoured: the campaign ends at the new deadline, not the first',
  LIMIT,
  async () => {
    const { run, handle } = await changeDeadline('shortened', 72, 12, { deadlineHours: 24 });
    try {
      const summary = await handle.result();
      assert.equal(summary.endReason, 'deadline reached');
      assert.ok(
        summary.elapsedHours >= 24 && summary.elapsedHours < 25,
        `ended after ${summary.elapsedHours} h`,
      );
      await assertReplays(handle);
    } finally {
      await run.close();
    }
  },
);

test(
  'a removed deadline is honoured: the campaign runs on past it until an operator stops it',
  LIMIT,
  async () => {
    const { run, handle } = await changeDeadline('removed', 24, 12, {});
    try {
      await run.env.sleep(72 * HOUR);
      const status = await handle.query(campaignStatusQuery);
      assert.equal(status.stopping, null, 'no deadline stops the campaign any more');
      assert.deepEqual(status.budget, {});

      await handle.signal(stopSignal, { reason: 'stopped by the test' });
      const summary = await handle.result();
      assert.equal(summary.endReason, 'stopped by the test');
      assert.ok(summary.elapsedHours >= 84, `ended after ${summary.elapsedHours} h`);
      await assertReplays(handle);
    } finally {
      await run.close();
    }
  },
);

test(
  'a week-long campaign continues as new, keeps its researchers, and ends at its deadline',
  LIMIT,
  async () => {
    const run = await stack.open();
    try {
      const handle = await run.start(
        testCampaign('week', 2, {
          budgets: { campaign: { deadlineHours: 7 * 24 } },
          // Researchers start a fresh history after each experiment.
          advanced: { continueAsNewAfterExperiments: 1 },
        }),
        // The campaign is told to continue as new once its history reaches 60 events.
        { suggestContinueAsNewAt: 60 },
      );
      // Watchers a continued-as-new campaign run left behind finish into that closed run when their
      // researcher ends: the SDK warns "Activity not found on completion", as expected.
      await granted(handle, 2);
      await handle.signal(pauseSignal);
      await run.env.sleep(3 * 24 * HOUR);
      await handle.signal(resumeSignal);
      await granted(handle, 6);
      await handle.signal(pauseSignal);
      const summary = await handle.result();

      assert.equal(summary.endReason, 'deadline reached');
      assert.ok(
        summary.elapsedHours >= 168 && summary.elapsedHours < 169,
        `ended after ${summary.elapsedHours} h`,
      );
      assert.ok(summary.experiments >= 6);
      // Every researcher's summary came back through the watchers of the latest campaign run, its
      // count carried across its own continues-as-new (one experiment per run).
      assert.deepEqual(
        summary.agents.map((a) => a.agentId),
        ['agent-1', 'agent-2'],
      );
      for (const agent of summary.agents) assert.notEqual(agent.endReason, 'researcher did not complete');
      assert.equal(
        summary.agents.reduce((sum, a) => sum + a.experimentsDone, 0),
        summary.experiments,
      );

      assert.ok(await continuedAsNew(handle), 'the campaign continued as new');
      for (const agentId of ['agent-1', 'agent-2']) {
        const researcher = run.env.client.workflow.getHandle(
          researcherWorkflowId(summary.campaignId, agentId),
        );
        assert.ok(await continuedAsNew(researcher), `${agentId} continued as new`);
      }
      const record = await stack.recordOf(summary.campaignId);
      assert.equal(record.status, 'completed');
      assert.equal(record.experiments.length, summary.experiments);
    } finally {
      await run.close();
    }
  },
);

/** Whether the workflow's latest run was started by a continue-as-new of an earlier one. */
async function continuedAsNew(handle: WorkflowHandle): Promise<boolean> {
  // A handle from `start` or `getHandle(id)` names no run: it reads the latest one.
  const history = await handle.fetchHistory();
  return Boolean(history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId);
}
