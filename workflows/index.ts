// Every workflow the orchestrator worker runs; the worker bundles this file.
export { registerCampaignWorkflow } from './register-campaign.js';
