import type { FastifyRequest } from 'fastify';
import type { OperatorIdentity } from '../../../core/operator-roles.js';

/** How an admitted request proved who it is. */
export type OperatorVia = 'bearer' | 'cookie';

export interface Admitted {
  readonly identity: OperatorIdentity;
  readonly via: OperatorVia;
}

// Keyed by the request's headers object, which is the same object for the request's life, so
// that code holding only `request.headers` (older route files) still finds the identity.
const admitted = new WeakMap<object, Admitted>();

/** Called by the guards once a request is authenticated. */
export function admit(request: FastifyRequest, who: Admitted): void {
  admitted.set(request.headers, who);
}

/** The authenticated identity of a request a guard admitted; a route without a guard is a bug. */
export function admittedOf(request: FastifyRequest | FastifyRequest['headers']): Admitted {
  const who = admitted.get(request) ?? admitted.get((request as FastifyRequest).headers as object);
  if (who === undefined) throw new Error('no operator guard admitted this request');
  return who;
}

/** The authenticated identity of a request a guard admitted. */
export const identityOf = (request: FastifyRequest): OperatorIdentity => admittedOf(request).identity;

/**
 * Who acted, for the record: the name of the authenticated identity. Never a name the caller
 * typed (the `x-aar-operator` header of older clients is ignored). Accepts the request or, for
 * older callers, its headers.
 */
export function actorOf(request: FastifyRequest | FastifyRequest['headers']): string {
  return admittedOf(request).identity.name;
}
