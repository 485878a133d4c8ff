import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './base-app.js';

/**
 * Every access level a route may declare in `config.access`. `public` is open to anyone and
 * `metrics` is `/metrics`'s own guard (server/http); the api server guards `viewer`, `operator`,
 * `approver`, `admin` (operator roles) and `run` (a run's upload token); the eval server guards
 * `admin` (the admin token), `agent`, `agentOrAdmin` and `bundleReader`. A server refuses to start
 * with a route whose level it does not guard.
 */
export type RouteAccess =
  | 'public'
  | 'metrics'
  | 'viewer'
  | 'operator'
  | 'approver'
  | 'admin'
  | 'run'
  | 'agent'
  | 'agentOrAdmin'
  | 'bundleReader';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; the app adds the matching guard (server/http/route-access.ts). */
    access?: RouteAccess;
  }
}

/** An `onRequest` hook that admits a request or throws the AppError that refuses it. */
export type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** The guard of each level a server knows; `null` for a level that needs none (`public`). */
export type AccessGuards = Readonly<Partial<Record<RouteAccess, Guard | null>>>;

/** One route as registered, with the access it declared. */
export interface DeclaredRoute {
  readonly method: string;
  readonly url: string;
  readonly access: RouteAccess;
}

const declared = new WeakMap<App, readonly DeclaredRoute[]>();

/**
 * Makes every route of `app` private by default: an `onRoute` hook reads each route's
 * `config.access`, puts the matching guard first in its `onRequest` hooks, and throws, naming the
 * method and URL, for a route that declares no access or a level `guards` does not hold, so such a
 * server fails at start-up instead of serving an unguarded route. Public routes say so
 * (`access: 'public'`). Added to the root instance before any route, so it sees every route of
 * every plugin, Fastify's HEAD twins of GET routes included.
 */
export function requireRouteAccess(app: App, guards: AccessGuards): void {
  const routes: DeclaredRoute[] = [];
  declared.set(app, routes);
  const known = Object.keys(guards).join(', ');
  app.addHook('onRoute', (route) => {
    const where = `${String(route.method)} ${route.url}`;
    const access = route.config?.access;
    if (access === undefined)
      throw new Error(`route ${where} declares no access: set config.access to one of ${known}`);
    const guard = guards[access];
    if (guard === undefined)
      throw new Error(
        `route ${where} declares access "${access}", which this server does not guard (${known})`,
      );
    if (guard !== null) {
      // A new array: Fastify's HEAD twin shares the GET route's original options.
      const own = route.onRequest === undefined ? [] : [route.onRequest].flat();
      route.onRequest = [guard, ...own];
    }
    routes.push({ method: String(route.method), url: route.url, access });
  });
}

/** Every route registered on `app` so far, with its declared access (after `ready()`: all of them). */
export function declaredRoutes(app: App): readonly DeclaredRoute[] {
  return declared.get(app) ?? [];
}
