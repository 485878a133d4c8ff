import type { Server } from 'node:http';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Pool } from '../../runtime/db.js';
import type { Logger } from '../../runtime/logger.js';
import type { EvalMetrics } from './metrics.js';
import type { DeferredIntervals } from './scoring/deferred-intervals.js';
import type { Scoring } from './scoring/scoring.js';
import type { EvalSettings } from './settings.js';
import type { ScoringKeyCache } from './tasks/scoring-key-cache.js';

/** What every eval route plugin is given: the shared resources of one eval server. */
export interface EvalContext {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly settings: EvalSettings;
  readonly metrics: EvalMetrics;
  readonly scoringKeys: ScoringKeyCache;
  /** Worker threads that parse, validate and score submissions off the event loop. */
  readonly scoring: Scoring;
  /** Bootstrap intervals computed after the receipt, stored once. */
  readonly intervals: DeferredIntervals;
  /** Deepest nesting of a JSON body (the app's limit, applied where submissions are parsed). */
  readonly maxJsonDepth: number;
}

/** An encapsulated plugin of eval routes. */
export type EvalPlugin = FastifyPluginAsync<{ ctx: EvalContext }, Server, TypeBoxTypeProvider, Logger>;
