import { Context } from '@temporalio/activity';
import { type Client, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import type { CampaignSpec } from '../core/campaign-spec.js';
import type { Pool } from '../runtime/db.js';
import type { Logger } from '../runtime/logger.js';
import type { CampaignSummary, ResearcherSummary } from '../workflows/definitions.js';
import type { OrchestratorMetrics } from './metrics.js';
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
     */
    async awaitWorkflowClosed(input: { workflowId: string; maxWaitSeconds: number }): Promise<{
      status: 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out' | 'continued';
      result?: unknown;
      failure?: string;
    }> {
      const ctx = Context.current();
      const handle = deps.temporal.workflow.getHandle(input.workflowId);
      const deadline = Date.now() + input.maxWaitSeconds * 1000;
      const beat = setInterval(() => ctx.heartbeat(), 5000);
      let timer: NodeJS.Timeout | undefined;
      try {
        const outcome = await Promise.race([
          handle.result().then(
            (result) => ({ status: 'completed' as const, result }),
            (error: unknown) => ({
              status: closedStatusOf(error),
              failure:
                error instanceof WorkflowFailedError
                  ? (error.cause?.message ?? error.message)
                  : String(error),
            }),
          ),
          new Promise<{ status: 'running' }>((resolve) => {
            timer = setTimeout(() => resolve({ status: 'running' }), Math.max(0, deadline - Date.now()));
          }),
          ctx.cancelled.then(() => ({ status: 'running' as const })),
        ]);
        if (outcome.status === 'terminated') {
          // A Temporal reset terminates the run it replaces and starts a new one under the same
          // workflow id: that workflow is still running, so the caller keeps watching it.
          const current = await handle.describe().catch(() => null);
          if (current?.status.name === 'RUNNING') return { status: 'running' };
        }
        return outcome;
      } finally {
        clearInterval(beat);
        clearTimeout(timer);
      }
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

function closedStatusOf(error: unknown): 'failed' | 'cancelled' | 'terminated' | 'timed_out' {
  const text =
    error instanceof WorkflowFailedError ? `${error.cause?.name ?? ''} ${error.message}` : String(error);
  if (/Terminat/i.test(text)) return 'terminated';
  if (/Cancel/i.test(text)) return 'cancelled';
  if (/Timeout|timed out/i.test(text)) return 'timed_out';
  return 'failed';
}
