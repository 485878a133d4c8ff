import type { Client } from '@temporalio/client';
import {
  type CampaignStatus,
  campaignStatusQuery,
  campaignWorkflowId,
  type ResearcherStatus,
  researcherStatusQuery,
  researcherWorkflowId,
} from '../../../workflows/definitions.js';

const QUERY_TIMEOUT_MS = 3000;

/** Resolves to null instead of hanging when no worker answers in time (a worker is down). */
async function withTimeout<T>(promise: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.catch(() => null),
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), QUERY_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The campaign workflow's live status, or null when it cannot be queried now. */
export function queryCampaign(temporal: Client, campaignId: string): Promise<CampaignStatus | null> {
  return withTimeout(temporal.workflow.getHandle(campaignWorkflowId(campaignId)).query(campaignStatusQuery));
}

/** A researcher's live status, or null when it cannot be queried now. */
export function queryResearcher(temporal: Client, workflowId: string): Promise<ResearcherStatus | null> {
  return withTimeout(temporal.workflow.getHandle(workflowId).query(researcherStatusQuery));
}

/** The workflow id of an agent's current researcher (a restarted one has a suffix). */
export function researcherIdOf(status: CampaignStatus | null, campaignId: string, agentId: string): string {
  return (
    status?.agents.find((a) => a.agentId === agentId)?.workflowId ?? researcherWorkflowId(campaignId, agentId)
  );
}
