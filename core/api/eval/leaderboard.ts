import { type Static, Type } from 'typebox';
import { AgentId, CampaignId, ExperimentId, Interval, SubmissionId, TaskId, Timestamp } from './common.js';
import { SplitScore } from './submissions.js';

/** One agent on the public leaderboard: its Ladder-reported best, never an exact score. */
export const PublicEntry = Type.Object({
  agentId: AgentId,
  reportedPgr: Type.Number(),
  interval: Type.Object(Interval.properties, {
    description: 'Public 95 % interval, widened outward to the step.',
  }),
  experimentId: ExperimentId,
  submissionId: SubmissionId,
  updatedAt: Timestamp,
});
export type PublicEntry = Static<typeof PublicEntry>;

/** One agent on the admin leaderboard: its best exact public score and that submission's private score. */
export const AdminEntry = Type.Object({
  agentId: AgentId,
  submissions: Type.Integer(),
  probeFlags: Type.Integer(),
  reportedPgr: Type.Union([Type.Number(), Type.Null()]),
  best: Type.Object({
    submissionId: SubmissionId,
    experimentId: ExperimentId,
    submittedAt: Timestamp,
    public: SplitScore,
    private: SplitScore,
  }),
});
export type AdminEntry = Static<typeof AdminEntry>;

/** `GET /v1/leaderboard`: a campaign's task as agents may see it (Ladder values, rounded to `step`). */
export const PublicLeaderboard = Type.Object({
  campaignId: CampaignId,
  taskId: TaskId,
  step: Type.Number(),
  entries: Type.Array(PublicEntry),
});
export type PublicLeaderboard = Static<typeof PublicLeaderboard>;

/** `GET /v1/admin/leaderboard`: exact public and private scores, for the promotion gate. */
export const AdminLeaderboard = Type.Object({
  campaignId: CampaignId,
  taskId: TaskId,
  entries: Type.Array(AdminEntry),
});
export type AdminLeaderboard = Static<typeof AdminLeaderboard>;
