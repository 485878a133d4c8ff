import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { type Client, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { CampaignSpec } from '../core/campaign-spec.js';
import type { Pool } from '../runtime/db.js';
import type { Logger } from '../runtime/logger.js';
import type { CampaignSummary, ResearcherSummary } from '../workflows/definitions.js';
import type { OrchestratorMetrics } from './metrics.js';
import { noteOutage } from './outages.js';
import {
  type CampaignStatusValue,
  insertCampaignEvent,
  insertRunningCampaign,
  updateAgentStatus,
  updateCampaignStatus,
} from './store/campaigns.js';

export interface CampaignActivityDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly temporal: Client;
  readonly metrics: OrchestratorMetrics;
}

/** Activities of the campaign and researcher workflows: the campaign's record and its watchers. */
export function createCampaignActivities(deps: CampaignActivityDeps) {
  return {
    async startCampaign(input: {
      campaignId: string;
      spec: CampaignSpec;
      workflowId: string;
    }): Promise<void> {
      await insertRunningCampaign(deps.pool, input.campaignId, input.spec, input.workflowId);
      deps.logger.info({ campaignId: input.campaignId, workflowId: input.workflowId }, 'campaign started');
    },

    async setCampaignStatus(input: { campaignId: string; status: CampaignStatusValue }): Promise<void> {
      await updateCampaignStatus(deps.pool, input.campaignId, input.status);
    },

    async setAgentStatus(input: {
      campaignId: string;
      agentId: string;
      status: string;
      detail: string;
    }): Promise<void> {
      await updateAgentStatus(deps.pool, input.campaignId, input.agentId, input.status, input.detail);
    },

    /** Exports the campaign's budget use as a metric (workflow code never touches metrics). */
    async reportCampaignProgress(input: { campaignId: string; budgetFractionUsed: number }): Promise<void> {
      deps.metrics.campaignBudgetUsed.set({ campaign: input.campaignId }, input.budgetFractionUsed);
    },

    async recordCampaignEvent(input: {
      campaignId: string;
      agentId?: string;
      action: string;
      detail: unknown;
    }): Promise<void> {
      await insertCampaignEvent(deps.pool, { ...input, actor: 'system' });
    },

    async finishCampaign(input: {
      campaignId: string;
      status: 'completed' | 'cancelled';
      endReason: string;
      experiments: number;
      gpuSeconds: number;
      elapsedMs: number;
      agents: ResearcherSummary[];
    }): Promise<CampaignSummary> {
      const summary: CampaignSummary = {
        campaignId: input.campaignId,
        status: input.status,
        endReason: input.endReason,
        experiments: input.experiments,
        gpuHours: input.gpuSeconds / 3600,
        elapsedHours: input.elapsedMs / 3_600_000,
        agents: input.agents,
      };
      await updateCampaignStatus(deps.pool, input.campaignId, input.status, summary);
      deps.metrics.campaignBestPgr.remove({ campaign: input.campaignId });
      deps.metrics.campaignBudgetUsed.remove({ campaign: input.campaignId });
      deps.logger.info({ campaignId: input.campaignId, endReason: input.endReason }, 'campaign finished');
      return summary;
    },

    /**
     * Waits, heartbeating, until the workflow closes or `maxWaitSeconds` pass; the caller loops. A
     * long wait belongs in an activity, not in a polling loop of workflow code.
     *
     * Only Temporal's own record says a workflow closed: `result()` failing with
     * `WorkflowFailedError`, confirmed by `describe()` of the workflow id (its current run, so a
     * run that a reset started is watched on). An error reaching Temporal (a server outage longer
     * than the client's retries, a proxy timeout) is waited out here with capped backoff, counted
     * as a `temporal` outage, never reported as a close; a heartbeat timeout while Temporal is away
     * ends this attempt, and the retried one watches again. `not_found`: no workflow has this id.
     */
    async awaitWorkflowClosed(input: { workflowId: string; maxWaitSeconds: number }): Promise<WatchOutcome> {
      const ctx = Context.current();
      const deadline = Date.now() + input.maxWaitSeconds * 1000;
      const beat = setInterval(() => ctx.heartbeat(), 5000);
      let stopped = false;
      ctx.cancelled.catch(() => {
        stopped = true;
      });
      // Resolves to null at the deadline or on cancellation, whichever comes first.
      const orDeadline = <T>(promise: Promise<T>): Promise<T | null> => {
        let timer: NodeJS.Timeout | undefined;
        return Promise.race([
          promise,
          new Promise<null>((resolve) => {
            timer = setTimeout(() => resolve(null), Math.max(0, deadline - Date.now()));
          }),
          ctx.cancelled.then(
            () => null,
            () => null,
          ),
        ]).finally(() => clearTimeout(timer));
      };
      try {
        for (let failures = 0; Date.now() < deadline && !stopped; ) {
          const outcome = await orDeadline(
            closeOf(deps.temporal, input.workflowId).then(
              (closed) => ({ closed }),
              (error: unknown) => ({ error }),
            ),
          );
          if (outcome === null) break;
          if ('closed' in outcome) {
            if (outcome.closed.status !== 'running') return outcome.closed;
            failures = 0;
            // A reset replaced the run, or a new run was about to report: look again shortly.
            await orDeadline(sleep(1000));
            continue;
          }
          failures += 1;
          noteOutage(deps, 'temporal', 'awaitWorkflowClosed', String(outcome.error));
          await orDeadline(sleep(Math.min(1000 * 2 ** failures, 30_000)));
        }
        return { status: 'running' };
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * The result of `workflowId` when its current run completed; `completed: false` when it runs,
     * failed or does not exist. Lets a restarted researcher adopt an experiment that finished.
     */
    async workflowResultIfCompleted(input: {
      workflowId: string;
    }): Promise<{ completed: true; result: unknown } | { completed: false }> {
      const handle = deps.temporal.workflow.getHandle(input.workflowId);
      const description = await handle.describe().catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return null;
        throw error;
      });
      if (description?.status.name !== 'COMPLETED') return { completed: false };
      return {
        completed: true,
        result: await deps.temporal.workflow.getHandle(input.workflowId, description.runId).result(),
      };
    },

    /**
     * Ends `workflowId` when it is a child of an earlier run of `parentWorkflowId` (a run a Temporal
     * reset replaced), so the current run can start it again. True when nothing is in the way any
     * more; false when the running workflow belongs to someone else (the start conflict stands).
     */
    async terminateReplacedChild(input: {
      workflowId: string;
      parentWorkflowId: string;
      parentRunId: string;
    }): Promise<boolean> {
      const handle = deps.temporal.workflow.getHandle(input.workflowId);
      const existing = await handle.describe().catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return null;
        throw error;
      });
      if (existing === null || existing.status.name !== 'RUNNING') return true;
      const parent = existing.parentExecution;
      if (parent?.workflowId !== input.parentWorkflowId || parent.runId === input.parentRunId) return false;
      await handle
        .terminate(`its parent run ${parent.runId} was replaced by a reset of ${input.parentWorkflowId}`)
        .catch((error: unknown) => {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        });
      deps.logger.info(
        { workflowId: input.workflowId, replacedRun: parent.runId, parentWorkflowId: input.parentWorkflowId },
        'ended the experiment of a researcher run that a reset replaced',
      );
      return true;
    },
  };
}

/** What a watcher reports: still running, or how the workflow closed. */
export interface WatchOutcome {
  readonly status:
    | 'running'
    | 'completed'
    | 'failed'
    | 'cancelled'
    | 'terminated'
    | 'timed_out'
    | 'not_found';
  readonly result?: unknown;
  readonly failure?: string;
}

/** How Temporal names a closed run, as the watcher reports it; running runs are not here. */
const CLOSED: Partial<Record<string, WatchOutcome['status']>> = {
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
};

/**
 * Waits for the current run of `workflowId` to close. Resolves with how it closed, or with
 * `running` when the id's current run is another one that still runs (a reset) or completed after
 * the one waited on (its result is read on the next call); rejects only when Temporal cannot be
 * reached or answers something else.
 */
async function closeOf(temporal: Client, workflowId: string): Promise<WatchOutcome> {
  const handle = temporal.workflow.getHandle(workflowId);
  try {
    return { status: 'completed', result: await handle.result() };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError) && !(error instanceof WorkflowNotFoundError)) throw error;
    const description = await handle.describe().catch((e: unknown) => {
      if (e instanceof WorkflowNotFoundError) return null;
      throw e;
    });
    if (description === null) return { status: 'not_found', failure: `no workflow has the id ${workflowId}` };
    const status = CLOSED[description.status.name];
    if (status === undefined) return { status: 'running' };
    const failure =
      error instanceof WorkflowFailedError ? (error.cause?.message ?? error.message) : error.message;
    return { status, failure };
  }
}
