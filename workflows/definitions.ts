/**
 * Names shared by workflows, workers, the api server and the CLI: task queues, workflow types
 * and their I/O. Deterministic code only; safe to import anywhere.
 */

/** Workflows and light activities (agents, database, eval client, forum). */
export const ORCHESTRATOR_QUEUE = 'orchestrator';
/** Executor activities that hold cluster credentials; scaled and secured apart. */
export const DISPATCH_QUEUE = 'dispatch';

/** Input of {@link registerCampaignWorkflow}: the record a campaign starts from. */
export interface RegisterCampaignInput {
  readonly campaignId: string;
  readonly name: string;
  readonly taskId: string;
  readonly spec: Record<string, unknown>;
}

/** What was recorded, as the database holds it. */
export interface RegisterCampaignResult {
  readonly campaignId: string;
  readonly status: string;
  readonly createdAt: string;
  /** False when the row already existed (a retried or repeated registration). */
  readonly created: boolean;
}

/** Workflow id of a campaign's registration: one per campaign, so a repeat start is refused by Temporal. */
export const registerCampaignWorkflowId = (campaignId: string): string => `campaign-register-${campaignId}`;
