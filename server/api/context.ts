import type { Server } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync } from 'fastify';
import type { OperatorIdentity } from '../../core/operator-roles.js';
import type { Pool } from '../../runtime/db.js';
import type { Logger } from '../../runtime/logger.js';

/** What every api route plugin is given: the shared resources of one api server. */
export interface ApiContext {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly temporal: Client;
  /** `<prefix>orchestrator`: where campaigns are started. */
  readonly orchestratorQueue: string;
  readonly temporalUiUrl: string;
  readonly namespace: string;
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
