import type { Server } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Pool } from '../../runtime/db.js';
import type { Logger } from '../../runtime/logger.js';
import type { Guards } from './auth/access.js';
import type { EvalMetrics } from './metrics.js';
import type { EvalSettings } from './settings.js';
import type { ScoringKeyCache } from './tasks/scoring-key-cache.js';

/** What every eval route plugin is given: the shared resources of one eval server. */
export interface EvalContext {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly settings: EvalSettings;
  readonly metrics: EvalMetrics;
  readonly guards: Guards;
  readonly scoringKeys: ScoringKeyCache;
}

/** An encapsulated plugin of eval routes. */
export type EvalPlugin = FastifyPluginAsync<{ ctx: EvalContext }, Server, TypeBoxTypeProvider, Logger>;
