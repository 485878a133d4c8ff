import { type Static, Type } from 'typebox';

/** An integrity flag: a shortcut, a discrepancy, an eval probe flag or violation, a sandbox event. */
export const Flag = Type.Object({
  id: Type.Integer(),
  campaignId: Type.String(),
  experimentId: Type.Union([Type.String(), Type.Null()]),
  agentId: Type.Union([Type.String(), Type.Null()]),
  kind: Type.String(),
  severity: Type.String(),
  message: Type.String(),
  detail: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String(),
  clearedAt: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  clearedBy: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  clearReason: Type.Optional(Type.Union([Type.String(), Type.Null()])),
});
export type Flag = Static<typeof Flag>;

/** `GET /v1/campaigns/:campaignId/flags`: flags, newest first. */
export const FlagList = Type.Object({ flags: Type.Array(Flag) });
export type FlagList = Static<typeof FlagList>;

/** `POST /v1/flags/:flagId/clear`: the flag cleared, and by whom. */
export const FlagCleared = Type.Object({
  flagId: Type.String(),
  cleared: Type.Literal(true),
  clearedBy: Type.String(),
});
export type FlagCleared = Static<typeof FlagCleared>;
