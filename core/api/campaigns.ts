import { type Static, Type } from 'typebox';

/** Route params naming a campaign (`/v1/campaigns/:campaignId`). */
export const CampaignParams = Type.Object({
  campaignId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
});
/** Route params naming one agent of a campaign. */
export const AgentParams = Type.Object({
  campaignId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$' }),
  agentId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' }),
});

/** The answer to `POST /v1/campaigns`: the campaign started and its workflow. */
export const Started = Type.Object({
  campaignId: Type.String(),
  workflowId: Type.String(),
  temporalUrl: Type.String(),
});
export type Started = Static<typeof Started>;

/** One campaign in `GET /v1/campaigns`. */
export const CampaignListItem = Type.Object({
  id: Type.String(),
  name: Type.String(),
  taskId: Type.String(),
  status: Type.String(),
  agents: Type.Integer(),
  experiments: Type.Integer(),
  bestPgr: Type.Union([Type.Number(), Type.Null()]),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});
export type CampaignListItem = Static<typeof CampaignListItem>;

/** `GET /v1/campaigns`: campaigns, newest first. */
export const CampaignList = Type.Object({ campaigns: Type.Array(CampaignListItem) });
export type CampaignList = Static<typeof CampaignList>;

/** An agent's best public PGR so far and the experiment that reached it, or null. */
export const Best = Type.Union([
  Type.Object({ pgr: Type.Number(), experimentId: Type.String() }),
  Type.Null(),
]);
export type Best = Static<typeof Best>;

/** One agent of a campaign view: its live state (or the last recorded one), counts and budget use. */
export const AgentView = Type.Object({
  id: Type.String(),
  policy: Type.String(),
  direction: Type.String(),
  state: Type.String(),
  detail: Type.Union([Type.String(), Type.Null()]),
  currentHypothesis: Type.Union([Type.String(), Type.Null()]),
  currentExperimentId: Type.Union([Type.String(), Type.Null()]),
  experiments: Type.Object({
    done: Type.Integer(),
    running: Type.Integer({ description: 'Proposed or running (queued ones included).' }),
    failed: Type.Integer(),
    queued: Type.Integer({
      description: 'Running experiments none of whose runs has started (no slot or GPU yet).',
    }),
  }),
  best: Best,
  gpuSeconds: Type.Number(),
  workflowId: Type.String(),
  live: Type.Boolean({
    description: 'False when the live state could not be queried (worker down): state is the last recorded.',
  }),
});
export type AgentView = Static<typeof AgentView>;

/** `GET /v1/campaigns/:campaignId`: the campaign with each agent's live state, budget use and summary. */
export const CampaignView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  taskId: Type.String(),
  status: Type.String(),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  workflowId: Type.String(),
  temporalUrl: Type.String(),
  paused: Type.Boolean(),
  stopping: Type.Union([Type.String(), Type.Null()]),
  budget: Type.Object({
    limits: Type.Unknown(),
    perAgent: Type.Unknown({
      description: "Each agent's budget from the spec (the latest budget signal may differ).",
    }),
    experimentsGranted: Type.Integer(),
    gpuHours: Type.Number(),
    fractionUsed: Type.Number(),
  }),
  agents: Type.Array(AgentView),
  summary: Type.Unknown(),
});
export type CampaignView = Static<typeof CampaignView>;

/** The answer to a control action (pause, resume, stop, cancel, budget, message): sent, not yet applied. */
export const Accepted = Type.Object({ accepted: Type.Literal(true), action: Type.String() });
export type Accepted = Static<typeof Accepted>;
