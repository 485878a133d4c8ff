import { Type } from 'typebox';
import {
  type ChangeAnswer,
  listOperators,
  mintOperator,
  revokeOperator,
  rotateOperator,
} from '../../../activities/store/operators.js';
import { MintedOperator, OperatorList } from '../../../core/api/operators.js';
import {
  CONFIGURED_OPERATOR_NAME,
  OperatorIdentity,
  OperatorName,
  OperatorRole,
} from '../../../core/operator-roles.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { actorOf } from '../auth/identity.js';
import type { ApiPlugin } from '../context.js';

const OperatorParams = Type.Object({ operatorId: Type.String({ pattern: '^op-[a-z0-9-]{1,60}$' }) });

function answerOf(
  answer: ChangeAnswer,
  operatorId: string,
  verb: string,
): Extract<ChangeAnswer, { outcome: 'done' }> {
  if (answer.outcome === 'not_found') throw new AppError('not_found', `no operator identity ${operatorId}`);
  if (answer.outcome === 'configured') {
    throw new AppError(
      'conflict',
      `${operatorId} is the identity of AAR_OPERATOR_TOKEN: ${verb} it by changing or removing that setting`,
    );
  }
  if (answer.outcome === 'revoked')
    throw new AppError('conflict', `${operatorId} is revoked: mint a new identity instead`);
  return answer;
}

/**
 * Operator identities (admin only): mint one with a name and a role, list them, rotate a token,
 * revoke an identity. Tokens are shown once, when minted or rotated; the record keeps their hash.
 */
export const operatorRoutes: ApiPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/operators',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Operator identities and their roles (never their tokens), revoked ones included',
        tags: ['operators'],
        response: { 200: OperatorList, ...errorResponses(401, 403) },
      },
    },
    async () => ({ operators: await listOperators(ctx.pool) }),
  );

  app.post(
    '/v1/operators',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Mint an operator identity; the answer holds its token, shown only now',
        tags: ['operators'],
        body: Type.Object({ name: OperatorName, role: OperatorRole }, { additionalProperties: false }),
        response: { 201: MintedOperator, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { name, role } = request.body;
      if (name === CONFIGURED_OPERATOR_NAME)
        throw new AppError(
          'conflict',
          `${name} is the name of the AAR_OPERATOR_TOKEN identity: choose another`,
        );
      const minted = await mintOperator(ctx.pool, { name, role, createdBy: actorOf(request) });
      if (minted === null)
        throw new AppError(
          'conflict',
          `an operator named ${name} exists (names are never reused): choose another`,
        );
      return reply.code(201).send({ ...minted.identity, token: minted.token });
    },
  );

  app.post(
    '/v1/operators/:operatorId/rotate',
    {
      config: { access: 'admin' },
      schema: {
        summary: "Give an identity a new token; the old token and the identity's sessions stop working now",
        tags: ['operators'],
        params: OperatorParams,
        response: { 200: MintedOperator, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { operatorId } = request.params;
      const done = answerOf(await rotateOperator(ctx.pool, operatorId), operatorId, 'rotate');
      return { ...done.identity, token: done.token! };
    },
  );

  app.delete(
    '/v1/operators/:operatorId',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Revoke an identity now (idempotent): its token and sessions stop working',
        tags: ['operators'],
        params: OperatorParams,
        response: { 200: OperatorIdentity, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { operatorId } = request.params;
      return answerOf(await revokeOperator(ctx.pool, operatorId), operatorId, 'revoke').identity;
    },
  );
};
