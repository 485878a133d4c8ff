import type { Server } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import type { OperatorIdentity } from '../../core/operator-roles.js';
import type { Pool } from '../../runtime/db.js';
import type { Logger } from '../../runtime/logger.js';
import type { RoleGuards } from './auth/guards.js';

/** What every api route plugin is given: the shared resources of one api server. */
export interface ApiContext {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly temporal: Client;
  /** `<prefix>orchestrator`: where campaigns are started. */
  readonly orchestratorQueue: string;
  readonly temporalUiUrl: string;
  readonly namespace: string;
  /**
   * One guard per operator role (core/operator-roles.ts): `viewer` for reads, `operator` for
   * actions on campaigns, `approver` for sign-offs and clearing flags, `admin` for managing
   * identities. A guard admits a bearer token or a dashboard session whose identity holds that
   * role or a higher one; the route then reads the identity with `identityOf(request)`.
   */
  readonly guards: RoleGuards;
  readonly runTokenKey: string;
  /** The dashboard and operator surface (server/api/dashboard). */
  readonly dashboard: {
    /** Who presents a token at the login page (an active identity), or null. */
    readonly authenticate: (token: string) => Promise<OperatorIdentity | null>;
    /** `AAR_RUNS_DIR` when this process can read the local executor's run folders, else null. */
    readonly runsDir: string | null;
  };
}

/** An encapsulated plugin of api routes. */
export type ApiPlugin = FastifyPluginAsync<{ ctx: ApiContext }, Server, TypeBoxTypeProvider, Logger>;
