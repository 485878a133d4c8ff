import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type MigrationSet, migrateUp } from '../../db/migrate.js';
import { loadConfig } from '../../runtime/config.js';

export interface TestDatabase {
  readonly url: string;
  readonly pool: pg.Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * Creates an empty database on the stack's PostgreSQL, named for this test file, optionally with
 * a migration set applied. Every test file starts from a clean state and leaves nothing behind.
 */
export async function createTestDatabase(
  options: { migrate?: MigrationSet | null } = {},
): Promise<TestDatabase> {
  const base = loadConfig().DATABASE_URL;
  const name = `aar_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({
    connectionString: withDatabase(base, 'postgres'),
    connectionTimeoutMillis: 5000,
  });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  await admin.end();
  const url = withDatabase(base, name);
  const set = options.migrate === undefined ? 'record' : options.migrate;
  if (set !== null) await migrateUp(url, set);
  const pool = new pg.Pool({ connectionString: url, max: 5, connectionTimeoutMillis: 5000 });
  // An idle client dies when PostgreSQL restarts (the fault tests do that); the pool reconnects.
  pool.on('error', () => undefined);
  return {
    url,
    pool,
    async drop() {
      await pool.end();
      const client = new pg.Client({
        connectionString: withDatabase(base, 'postgres'),
        connectionTimeoutMillis: 5000,
      });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await client.end();
    },
  };
}
