// Every workflow the orchestrator worker runs; the worker bundles this file.
export { campaignWorkflow } from './campaign.js';
export { experimentWorkflow } from './experiment.js';
export { promotionWorkflow } from './promotion.js';
export { registerCampaignWorkflow } from './register-campaign.js';
export { researcherWorkflow } from './researcher.js';
