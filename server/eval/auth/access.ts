import type { FastifyRequest } from 'fastify';
import { AppError } from '../../http/errors.js';
import type { AccessGuards, Guard } from '../../http/route-access.js';
import type { Queryable } from '../shared/db.js';
import { findTokenByHash } from '../tokens/token-repository.js';
import type { AgentPrincipal, Principal } from './principal.js';
import { hashToken, sameSecret } from './token-secret.js';

/** The header with which the admin token acts as one agent: `<campaignId>/<agentId>`. */
export const ACT_AS_HEADER = 'x-aar-act-as';
const ACT_AS = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})$/;

/** What authentication needs: the token table and the admin token. */
export interface AccessDeps {
  readonly db: Queryable;
  readonly adminToken: string;
}

const unauthorized = (message: string) =>
  new AppError('unauthorized', message, { headers: { 'www-authenticate': 'Bearer' } });

/**
 * Resolves the sender of a request from its bearer token (and `x-aar-act-as` for the admin
 * token) and stores it on the request. Throws 401 for a missing, unknown, revoked or expired token.
 */
export async function authenticate(request: FastifyRequest, deps: AccessDeps): Promise<Principal> {
  if (request.evalPrincipal) return request.evalPrincipal;
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw unauthorized('missing credentials: send the header `Authorization: Bearer <token>`');
  const token = match[1]!;
  const actAs = request.headers[ACT_AS_HEADER];
  let principal: Principal;
  if (sameSecret(token, deps.adminToken)) {
    // Recorded before parsing the header, so a malformed one is audited as the admin's.
    request.evalPrincipal = { role: 'admin' };
    principal = actAs === undefined ? { role: 'admin' } : actingAs(actAs);
  } else {
    if (actAs !== undefined)
      throw new AppError('forbidden', `only the admin token may send ${ACT_AS_HEADER}; remove the header`);
    principal = await fromStoredToken(deps.db, token);
  }
  request.evalPrincipal = principal;
  return principal;
}

function actingAs(header: string | string[]): AgentPrincipal {
  const match = typeof header === 'string' ? ACT_AS.exec(header) : null;
  if (!match) {
    throw new AppError(
      'invalid_request',
      `${ACT_AS_HEADER} must be one value of the form <campaignId>/<agentId> (letters, digits, . _ -)`,
    );
  }
  return { role: 'agent', campaignId: match[1]!, agentId: match[2]!, tokenId: null, viaAdmin: true };
}

async function fromStoredToken(db: Queryable, token: string): Promise<Principal> {
  const record = await findTokenByHash(db, hashToken(token));
  if (record === null) throw unauthorized('unknown bearer token: ask an operator for a token of your own');
  if (record.revokedAt !== null) throw unauthorized('this token was revoked: ask an operator for a new one');
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= Date.now()) {
    throw unauthorized(`this token expired at ${record.expiresAt}: ask for a new one`);
  }
  if (record.role === 'run') return { role: 'run', taskId: record.taskId!, tokenId: record.tokenId };
  return {
    role: 'agent',
    campaignId: record.campaignId!,
    agentId: record.agentId!,
    tokenId: record.tokenId,
    viaAdmin: false,
  };
}

/**
 * The guard of each eval access level, which a route names in `config.access` and the app adds
 * (server/http/route-access.ts); each guard's refusal says who may call.
 */
export function createGuards(deps: AccessDeps) {
  const only =
    (allowed: (p: Principal, request: FastifyRequest) => string | null): Guard =>
    async (request) => {
      const principal = await authenticate(request, deps);
      const refusal = allowed(principal, request);
      if (refusal !== null) throw new AppError('forbidden', refusal);
    };
  return {
    /** Operators and the orchestrator's trusted paths. */
    admin: only((p) => (p.role === 'admin' ? null : 'this route needs the admin token')),
    /** An agent, or the admin token acting as one. */
    agent: only((p) =>
      p.role === 'agent'
        ? null
        : p.role === 'admin'
          ? `the admin token must act as an agent here: add the header ${ACT_AS_HEADER}: <campaignId>/<agentId>`
          : 'this route needs an agent token',
    ),
    /** Agents and the admin token. */
    agentOrAdmin: only((p) => (p.role === 'run' ? 'run tokens may only download their task bundle' : null)),
    /** Agents, the admin token, and run tokens bound to the task in the route's `:taskId`. */
    bundleReader: only((p, request) => {
      if (p.role !== 'run') return null;
      const { taskId } = request.params as { taskId?: string };
      return p.taskId === taskId ? null : `this run token may only download the bundle of task ${p.taskId}`;
    }),
  } satisfies AccessGuards;
}

/** The principal a guard admitted; throws when a route forgot its guard (a bug, hence 500). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.evalPrincipal) throw new Error('route has no access guard');
  return request.evalPrincipal;
}

/** The agent principal a guard admitted. */
export function agentOf(request: FastifyRequest): AgentPrincipal {
  const principal = principalOf(request);
  if (principal.role !== 'agent') throw new Error('route guard admitted a non-agent');
  return principal;
}
