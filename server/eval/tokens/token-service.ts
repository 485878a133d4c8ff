import { type Static, Type } from 'typebox';
import { AgentId, CampaignId, TaskId, Timestamp } from '../../../core/api/eval/common.js';
import type { MintedToken } from '../../../core/api/eval/tokens.js';
import { type Pool, withTransaction } from '../../../runtime/db.js';
import { AppError } from '../../http/errors.js';
import { hashToken, mintTokenSecret, newTokenId } from '../auth/token-secret.js';
import { RUN_TOKEN_DEFAULT_TTL_S, RUN_TOKEN_MAX_TTL_S } from '../settings.js';
import { findTaskSummary } from '../tasks/task-repository.js';
import { findToken, insertToken, revokeToken } from './token-repository.js';

/** Body of `POST /v1/admin/tokens`; which fields apply depends on `role`. */
export const MintTokenRequest = Type.Object(
  {
    role: Type.Union([Type.Literal('agent'), Type.Literal('run')], {
      description: 'agent: submits and reads as one agent of one campaign; run: downloads one task bundle.',
    }),
    campaignId: Type.Optional(CampaignId),
    agentId: Type.Optional(AgentId),
    taskId: Type.Optional(TaskId),
    expiresAt: Type.Optional(Timestamp),
    ttlSeconds: Type.Optional(
      Type.Integer({
        minimum: 60,
        maximum: RUN_TOKEN_MAX_TTL_S,
        description: 'Run tokens: lifetime (default 6 h).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type MintTokenRequest = Static<typeof MintTokenRequest>;

function bindingOf(request: MintTokenRequest, now: Date) {
  if (request.role === 'agent') {
    if (request.campaignId === undefined || request.agentId === undefined)
      throw new AppError('invalid_request', 'an agent token needs campaignId and agentId');
    if (request.taskId !== undefined || request.ttlSeconds !== undefined)
      throw new AppError('invalid_request', 'an agent token takes no taskId or ttlSeconds (use expiresAt)');
    return {
      role: 'agent' as const,
      campaignId: request.campaignId,
      agentId: request.agentId,
      taskId: null,
      expiresAt: request.expiresAt ?? null,
    };
  }
  if (request.taskId === undefined)
    throw new AppError('invalid_request', 'a run token needs the taskId it may read');
  if (request.campaignId !== undefined || request.agentId !== undefined || request.expiresAt !== undefined)
    throw new AppError('invalid_request', 'a run token takes only taskId and ttlSeconds');
  const ttl = request.ttlSeconds ?? RUN_TOKEN_DEFAULT_TTL_S;
  return {
    role: 'run' as const,
    campaignId: null,
    agentId: null,
    taskId: request.taskId,
    expiresAt: new Date(now.getTime() + ttl * 1000).toISOString(),
  };
}

/** Mints an agent or run token; the secret is returned once. */
export async function mintToken(pool: Pool, request: MintTokenRequest): Promise<MintedToken> {
  const binding = bindingOf(request, new Date());
  if (binding.taskId !== null && (await findTaskSummary(pool, binding.taskId)) === null)
    throw new AppError(
      'task_not_found',
      `no task ${binding.taskId}: load it before minting run tokens for it`,
    );
  const token = mintTokenSecret(binding.role);
  const record = await insertToken(pool, {
    ...binding,
    tokenId: newTokenId(),
    tokenSha256: hashToken(token),
  });
  return { ...record, token };
}

/**
 * Replaces a token with a new one of the same binding (a run token gets a fresh default
 * lifetime) and revokes the old one, in one transaction.
 */
export async function rotateToken(pool: Pool, tokenId: string): Promise<MintedToken> {
  return withTransaction(pool, async (client) => {
    const old = await findToken(client, tokenId);
    if (old === null) throw new AppError('token_not_found', `no token ${tokenId}`);
    if (old.revokedAt !== null)
      throw new AppError('conflict', `token ${tokenId} is already revoked: mint a new token instead`);
    const token = mintTokenSecret(old.role);
    const record = await insertToken(client, {
      tokenId: newTokenId(),
      tokenSha256: hashToken(token),
      role: old.role,
      campaignId: old.campaignId,
      agentId: old.agentId,
      taskId: old.taskId,
      expiresAt:
        old.role === 'run'
          ? new Date(Date.now() + RUN_TOKEN_DEFAULT_TTL_S * 1000).toISOString()
          : old.expiresAt,
    });
    await revokeToken(client, tokenId, record.tokenId);
    return { ...record, token };
  });
}
