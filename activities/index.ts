import type { Client } from '@temporalio/client';
import type { PolicyName } from '../core/campaign-spec.js';
import type { Pool } from '../runtime/db.js';
import type { Logger } from '../runtime/logger.js';
import type { RegisterCampaignInput } from '../workflows/definitions.js';
import { createAgentActivities } from './agent/agent-activities.js';
import type { ResearcherPolicy } from './agent/policy.js';
import { createCampaignActivities } from './campaign-activities.js';
import type { EvalClient } from './eval/eval-client.js';
import { createExperimentActivities } from './experiment-activities.js';
import { createIntegrityActivities } from './integrity/integrity-activities.js';
import type { OrchestratorMetrics } from './metrics.js';
import { reportingOutages } from './outages.js';
import { createPromotionActivities } from './promotion-activities.js';
import { insertCampaign } from './store/campaigns.js';

/** What the orchestrator's activities are given at start-up: the process's shared resources. */
export interface ActivityDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly temporal: Client;
  readonly eval: EvalClient;
  readonly metrics: OrchestratorMetrics;
  readonly policies: Partial<Record<PolicyName, ResearcherPolicy>>;
}

/**
 * Builds the orchestrator's activities around injected resources, so tests run the same code
 * against their own database and servers, and a worker shares one pool. An attempt that cannot
 * reach the database fails as a counted, retryable outage (see `outages.ts`).
 */
export function createActivities(deps: ActivityDeps) {
  return reportingOutages(
    {
      async recordCampaign(input: RegisterCampaignInput, workflowId: string) {
        const result = await insertCampaign(deps.pool, input, workflowId);
        deps.logger.info(
          { campaignId: result.campaignId, created: result.created, workflowId },
          'campaign recorded',
        );
        return result;
      },
      ...createCampaignActivities(deps),
      ...createExperimentActivities(deps),
      ...createAgentActivities(deps),
      ...createPromotionActivities(deps),
      ...createIntegrityActivities(deps),
    },
    deps,
  );
}
