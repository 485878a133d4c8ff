import type { Pool } from '../runtime/db.js';
import type { Logger } from '../runtime/logger.js';
import type { RegisterCampaignInput } from '../workflows/definitions.js';
import { insertCampaign } from './store/campaigns.js';

/** What the orchestrator's activities are given at start-up: the process's shared resources. */
export interface ActivityDeps {
  readonly pool: Pool;
  readonly logger: Logger;
}

/**
 * Builds the orchestrator's activities around injected resources, so tests run the same code
 * against their own database and workers share one pool.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    async recordCampaign(input: RegisterCampaignInput, workflowId: string) {
      const result = await insertCampaign(deps.pool, input, workflowId);
      deps.logger.info(
        { campaignId: result.campaignId, created: result.created, workflowId },
        'campaign recorded',
      );
      return result;
    },
  };
}
