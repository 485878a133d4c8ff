import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/types.js';
import type { RegisterCampaignInput, RegisterCampaignResult } from './definitions.js';

const { recordCampaign } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    backoffCoefficient: 2,
    maximumAttempts: 20,
  },
});

/**
 * Records a campaign in PostgreSQL through an activity. The first durable path through the
 * system: a crashed worker or a restarted database only delays it, and the insert is idempotent.
 */
export async function registerCampaignWorkflow(
  input: RegisterCampaignInput,
): Promise<RegisterCampaignResult> {
  return await recordCampaign(input, workflowInfo().workflowId);
}
