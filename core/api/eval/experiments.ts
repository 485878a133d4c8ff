import { type Static, Type } from 'typebox';
import { AgentId, CampaignId, ExperimentId, MAX_SEEDS, TaskId, Timestamp } from './common.js';

/** What the orchestrator registers before it runs an experiment. */
export const ExperimentRegistration = Type.Object(
  {
    campaignId: CampaignId,
    agentId: AgentId,
    taskId: TaskId,
    seeds: Type.Integer({
      minimum: 1,
      maximum: MAX_SEEDS,
      description: 'Seeds the experiment runs (and may submit).',
    }),
    noEval: Type.Boolean({
      description: 'True: the experiment may not be scored; a submission is a violation.',
    }),
  },
  { additionalProperties: false },
);
export type ExperimentRegistration = Static<typeof ExperimentRegistration>;

/** A registered experiment. */
export const ExperimentRecord = Type.Object({
  experimentId: ExperimentId,
  ...ExperimentRegistration.properties,
  createdAt: Timestamp,
});
export type ExperimentRecord = Static<typeof ExperimentRecord>;
