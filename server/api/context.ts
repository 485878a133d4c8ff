import type { Server } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Pool } from '../../runtime/db.js';
import type { Logger } from '../../runtime/logger.js';
import type { SessionCodec } from './dashboard/session.js';

/** What every api route plugin is given: the shared resources of one api server. */
export interface ApiContext {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly temporal: Client;
  /** `<prefix>orchestrator`: where campaigns are started. */
  readonly orchestratorQueue: string;
  readonly temporalUiUrl: string;
  readonly namespace: string;
  readonly guards: {
    /** Operator bearer token: every campaign, forum and experiment route. */
    readonly operator: (request: FastifyRequest) => Promise<void>;
  };
  readonly runTokenKey: string;
  /** The dashboard and operator surface (server/api/dashboard). */
  readonly dashboard: {
    /** Signs and checks the dashboard's session cookies. */
    readonly session: SessionCodec;
    /** Whether a token presented at the login page is the operator token. */
    readonly isOperatorToken: (token: string) => boolean;
    /** `AAR_RUNS_DIR` when this process can read the local executor's run folders, else null. */
    readonly runsDir: string | null;
  };
}

/** An encapsulated plugin of api routes. */
export type ApiPlugin = FastifyPluginAsync<{ ctx: ApiContext }, Server, TypeBoxTypeProvider, Logger>;
