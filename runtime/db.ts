import pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import type { Config } from './config.js';
import type { Logger } from './logger.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Either the pool or a client inside a transaction: repositories accept both. */
export type Queryable = pg.Pool | pg.PoolClient;

export interface PoolOptions {
  readonly url: string;
  readonly max: number;
  readonly connectTimeoutMs: number;
  /** Distinguishes pools in metrics when a process holds two (api and eval databases). */
  readonly name: string;
}

/** The pool settings of one of the two databases, as the configuration gives them. */
export function poolOptionsFor(
  config: Config,
  database: 'record' | 'eval',
  max = config.AAR_DB_POOL_MAX,
): PoolOptions {
  return {
    url: database === 'record' ? config.DATABASE_URL : config.EVAL_DATABASE_URL,
    max,
    connectTimeoutMs: config.AAR_DB_CONNECT_TIMEOUT_MS,
    name: database,
  };
}

/**
 * The one pool of a process for one database. Idle-client errors (a restarted PostgreSQL) are
 * logged instead of crashing the process; the pool reconnects on the next query.
 */
export function createPool(options: PoolOptions, logger: Logger, registry?: Registry): Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: `aar-${options.name}`,
  });
  pool.on('error', (error) => logger.warn({ err: error, pool: options.name }, 'idle database client failed'));
  if (registry !== undefined) {
    new Gauge({
      name: 'aar_db_pool_clients',
      help: 'Database pool clients by state (total, idle, waiting requests).',
      labelNames: ['pool', 'state'],
      registers: [registry],
      collect() {
        this.set({ pool: options.name, state: 'total' }, pool.totalCount);
        this.set({ pool: options.name, state: 'idle' }, pool.idleCount);
        this.set({ pool: options.name, state: 'waiting' }, pool.waitingCount);
      },
    });
  }
  return pool;
}

/**
 * Runs `work` in one transaction on one client: commits when it resolves, rolls back when it
 * throws, so a multi-row write is all or nothing.
 */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
