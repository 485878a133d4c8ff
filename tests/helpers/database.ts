import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type MigrationSet, migrateUp } from '../../db/migrate.js';
import { grantRuntimeRole, roleOf } from '../../db/runtime-grants.js';
import { type Config, loadConfig } from '../../runtime/config.js';

export interface TestDatabase {
  /** As the database's owner role (the role migrations run as): for test setup and checks. */
  readonly url: string;
  readonly pool: pg.Pool;
  /** As the runtime role of its set (DML only): what services under test connect with. */
  readonly runtimeUrl: string;
  readonly runtimePool: pg.Pool;
  /** Closes the pools and drops the database. */
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * The connection that creates and drops scratch databases, on the server's `postgres` database:
 * AAR_TEST_ADMIN_DATABASE_URL when set; DATABASE_URL when set (an external server whose one URL
 * may do everything, as before the roles split); else the dev stack's superuser `postgres`, which
 * only its Unix socket reaches. No service is ever given this URL.
 */
export function adminDatabaseUrl(config: Config = loadConfig()): string {
  const explicit = process.env.AAR_TEST_ADMIN_DATABASE_URL;
  if (explicit !== undefined && explicit !== '') return withDatabase(explicit, 'postgres');
  if (process.env.DATABASE_URL !== undefined) return withDatabase(config.DATABASE_URL, 'postgres');
  const socket = encodeURIComponent(`${config.AAR_STATE_DIR}/pg/run`);
  return `postgres://postgres@localhost:${config.AAR_PG_PORT}/postgres?host=${socket}`;
}

/** Runs `work` on one admin connection (see {@link adminDatabaseUrl}), then closes it. */
export async function asAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database on the stack's PostgreSQL, named for this test file, owned by the
 * owner role of `roles` (default: the migration set, else the record's) and closed to PUBLIC like
 * the real ones, optionally with a migration set applied by that owner and the runtime role
 * granted its privileges. Every test file starts from a clean state and leaves nothing behind.
 */
export async function createTestDatabase(
  options: { migrate?: MigrationSet | null; roles?: MigrationSet } = {},
): Promise<TestDatabase> {
  const config = loadConfig();
  const set = options.migrate === undefined ? 'record' : options.migrate;
  const roles = options.roles ?? set ?? 'record';
  const ownerBase =
    roles === 'record' ? config.AAR_MIGRATE_DATABASE_URL : config.AAR_MIGRATE_EVAL_DATABASE_URL;
  const runtimeBase = roles === 'record' ? config.DATABASE_URL : config.EVAL_DATABASE_URL;
  const [owner, runtime] = [roleOf(ownerBase), roleOf(runtimeBase)].map(pg.escapeIdentifier);
  const name = `aar_test_${randomBytes(5).toString('hex')}`;
  const db = pg.escapeIdentifier(name);
  await asAdmin(async (admin) => {
    await admin.query(`CREATE DATABASE ${db} OWNER ${owner}`);
    await admin.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT ON DATABASE ${db} TO ${runtime}`);
  });
  const url = withDatabase(ownerBase, name);
  const runtimeUrl = withDatabase(runtimeBase, name);
  if (set !== null) {
    await migrateUp(url, set);
    await grantRuntimeRole(url, set, roleOf(runtimeBase));
  }
  const pool = new pg.Pool({ connectionString: url, max: 5, connectionTimeoutMillis: 5000 });
  const runtimePool = new pg.Pool({ connectionString: runtimeUrl, max: 10, connectionTimeoutMillis: 5000 });
  // An idle client dies when PostgreSQL restarts (the fault tests do that); the pool reconnects.
  pool.on('error', () => undefined);
  runtimePool.on('error', () => undefined);
  return {
    url,
    pool,
    runtimeUrl,
    runtimePool,
    async drop() {
      await pool.end();
      await runtimePool.end();
      await asAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`));
    },
  };
}
