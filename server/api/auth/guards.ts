import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ensureConfiguredOperator, findOperatorByToken } from '../../../activities/store/operators.js';
import { sessionOperator } from '../../../activities/store/sessions.js';
import { type OperatorIdentity, type OperatorRole, roleAllows } from '../../../core/operator-roles.js';
import type { Pool } from '../../../runtime/db.js';
import { AppError } from '../../http/errors.js';
import { cookieOf, DASHBOARD_HEADER, SESSION_COOKIE } from '../dashboard/session.js';
import { bearerOf } from './bearer.js';
import { admit, type OperatorVia } from './identity.js';

export type Guard = (request: FastifyRequest) => Promise<void>;

/**
 * One guard per role (core/operator-roles.ts), each the access level of the same name: `viewer`
 * for reads, `operator` for actions on campaigns, `approver` for sign-offs and clearing flags,
 * `admin` for managing identities. Each admits an authenticated identity holding that role or a
 * higher one; the route then reads the identity with `identityOf(request)`.
 */
export type RoleGuards = Readonly<Record<OperatorRole, Guard>>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Finds who presents a token: the configured `AAR_OPERATOR_TOKEN` (an admin, compared in
 * constant time) or a named operator token from the record. Null when neither.
 */
export function createTokenAuthenticator(
  pool: Pool,
  configuredToken: string,
): (token: string) => Promise<OperatorIdentity | null> {
  const configured = digest(configuredToken);
  let configuredIdentity: Promise<OperatorIdentity> | undefined;
  return async (token) => {
    if (timingSafeEqual(digest(token), configured)) {
      configuredIdentity ??= ensureConfiguredOperator(pool).catch((error: unknown) => {
        configuredIdentity = undefined;
        throw error;
      });
      return configuredIdentity;
    }
    return findOperatorByToken(pool, token);
  };
}

/**
 * The api's guards. A request proves who it is with `Authorization: Bearer <operator token>` (CLI,
 * scripts) or the dashboard's session cookie; cookie-authenticated writes must also carry
 * {@link DASHBOARD_HEADER}. Then the identity's role must include the guard's: 401 for no or a
 * bad credential, 403 for too small a role.
 */
export function createRoleGuards(
  pool: Pool,
  authenticate: (token: string) => Promise<OperatorIdentity | null>,
): RoleGuards {
  const identify = async (
    request: FastifyRequest,
  ): Promise<{ identity: OperatorIdentity; via: OperatorVia }> => {
    const cookie = cookieOf(request.headers.cookie, SESSION_COOKIE);
    if (request.headers.authorization === undefined && cookie !== null) {
      const identity = await sessionOperator(pool, cookie);
      if (identity === null)
        throw new AppError('unauthorized', 'the dashboard session ended or is not valid: log in again');
      if (!SAFE_METHODS.has(request.method) && request.headers[DASHBOARD_HEADER] !== '1') {
        throw new AppError(
          'forbidden',
          `a write with the session cookie must carry the "${DASHBOARD_HEADER}: 1" header`,
        );
      }
      return { identity, via: 'cookie' };
    }
    const presented = bearerOf(request);
    if (presented === null) {
      throw new AppError(
        'unauthorized',
        'missing bearer token: send "Authorization: Bearer <operator token>"',
      );
    }
    const identity = await authenticate(presented);
    if (identity === null)
      throw new AppError('unauthorized', 'the operator token is not valid (unknown, rotated or revoked)');
    return { identity, via: 'bearer' };
  };
  const guardFor =
    (needed: OperatorRole): Guard =>
    async (request) => {
      const who = await identify(request);
      if (!roleAllows(who.identity.role, needed)) {
        throw new AppError(
          'forbidden',
          `this needs the ${needed} role; ${who.identity.name} has the ${who.identity.role} role`,
        );
      }
      admit(request, who);
    };
  return {
    viewer: guardFor('viewer'),
    operator: guardFor('operator'),
    approver: guardFor('approver'),
    admin: guardFor('admin'),
  };
}
