import { type Static, Type } from 'typebox';
import { AgentId, CampaignId, TaskId, Timestamp, TokenId } from './common.js';

/** A token as operators see it: its binding and state, never the secret or its hash. */
export const TokenRecord = Type.Object({
  tokenId: TokenId,
  role: Type.Union([Type.Literal('agent'), Type.Literal('run')]),
  campaignId: Type.Union([CampaignId, Type.Null()]),
  agentId: Type.Union([AgentId, Type.Null()]),
  taskId: Type.Union([TaskId, Type.Null()]),
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  revokedAt: Type.Union([Timestamp, Type.Null()]),
  replacedBy: Type.Union([TokenId, Type.Null()]),
  createdAt: Timestamp,
});
export type TokenRecord = Static<typeof TokenRecord>;

/** `GET /v1/admin/tokens`: tokens, newest first. */
export const TokenList = Type.Object({ tokens: Type.Array(TokenRecord) });
export type TokenList = Static<typeof TokenList>;

/** A freshly minted token: the secret appears here once and is stored only as its hash. */
export const MintedToken = Type.Object({
  ...TokenRecord.properties,
  token: Type.String({ description: 'The bearer token. Shown only in this answer.' }),
});
export type MintedToken = Static<typeof MintedToken>;
