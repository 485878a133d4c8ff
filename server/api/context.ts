import type { Server } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
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
  readonly guards: {
    /** Operator bearer token: every campaign, forum and experiment route. */
    readonly operator: (request: FastifyRequest) => Promise<void>;
  };
  readonly runTokenKey: string;
}

/** An encapsulated plugin of api routes. */
export type ApiPlugin = FastifyPluginAsync<{ ctx: ApiContext }, Server, TypeBoxTypeProvider, Logger>;
