import { Type } from 'typebox';
import { AgentId, CampaignId, TokenParams } from '../../../core/api/eval/common.js';
import { MintedToken, TokenList, TokenRecord } from '../../../core/api/eval/tokens.js';
import { AppError, errorResponses } from '../../http/errors.js';
import type { EvalPlugin } from '../context.js';
import { auditFactsOf } from '../request-state.js';
import { BEARER } from '../shared/openapi.js';
import { listTokens, revokeToken } from './token-repository.js';
import { MintTokenRequest, mintToken, rotateToken } from './token-service.js';

/** Admin routes that mint, list, rotate and revoke agent and run tokens. */
export const tokenRoutes: EvalPlugin = async (app, { ctx }) => {
  app.post(
    '/v1/admin/tokens',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Mint an agent token (campaignId, agentId) or a run token (taskId, ttlSeconds)',
        description: 'The token is in this answer only; the server keeps its sha256.',
        tags: ['admin'],
        security: BEARER,
        body: MintTokenRequest,
        response: { 201: MintedToken, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const minted = await mintToken(ctx.pool, request.body);
      auditFactsOf(request).refs.tokenId = minted.tokenId;
      return reply.code(201).send(minted);
    },
  );

  app.get(
    '/v1/admin/tokens',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'List tokens (never their secrets), newest first',
        tags: ['admin'],
        security: BEARER,
        querystring: Type.Object(
          { campaignId: Type.Optional(CampaignId), agentId: Type.Optional(AgentId) },
          { additionalProperties: false },
        ),
        response: { 200: TokenList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ tokens: await listTokens(ctx.pool, request.query) }),
  );

  app.post(
    '/v1/admin/tokens/:tokenId/rotate',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Replace a token with a new one of the same binding and revoke the old one',
        tags: ['admin'],
        security: BEARER,
        params: TokenParams,
        response: { 201: MintedToken, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const minted = await rotateToken(ctx.pool, request.params.tokenId);
      auditFactsOf(request).refs.newTokenId = minted.tokenId;
      return reply.code(201).send(minted);
    },
  );

  app.delete(
    '/v1/admin/tokens/:tokenId',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Revoke a token (idempotent)',
        tags: ['admin'],
        security: BEARER,
        params: TokenParams,
        response: { 200: TokenRecord, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const record = await revokeToken(ctx.pool, request.params.tokenId);
      if (record === null) throw new AppError('token_not_found', `no token ${request.params.tokenId}`);
      return record;
    },
  );
};
