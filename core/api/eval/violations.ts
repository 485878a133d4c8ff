import { type Static, Type } from 'typebox';
import { AgentId, CampaignId, Timestamp } from './common.js';

/** Kinds of violation: a no-eval submission attempt, a budget overrun, a probe flag. */
export const VIOLATION_KINDS = ['no_eval', 'budget_exhausted', 'probe'] as const;
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

/** Something an agent did that operators should see: a no-eval submission, a budget overrun, a probe. */
export const Violation = Type.Object({
  id: Type.Integer(),
  kind: Type.Union([Type.Literal('no_eval'), Type.Literal('budget_exhausted'), Type.Literal('probe')]),
  campaignId: CampaignId,
  agentId: AgentId,
  experimentId: Type.Union([Type.String(), Type.Null()]),
  submissionId: Type.Union([Type.String(), Type.Null()]),
  viaAdmin: Type.Boolean(),
  detail: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
  createdAt: Timestamp,
});
export type Violation = Static<typeof Violation>;

/** `GET /v1/admin/violations`: a campaign's violations and probe flags, newest first. */
export const ViolationList = Type.Object({ violations: Type.Array(Violation) });
export type ViolationList = Static<typeof ViolationList>;
