/**
 * `make setup` runs this: creates AAR's databases when missing and applies every pending
 * migration. Safe to run any number of times.
 */
import pg from 'pg';
import { loadConfig } from '../runtime/config.js';
import { type MigrationSet, migrateUp } from './migrate.js';

/** Creates the database named in `url` when it does not exist, connecting to `postgres` on the same server. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const targets: [MigrationSet, string][] = [
    ['record', config.DATABASE_URL],
    ['eval', config.EVAL_DATABASE_URL],
  ];
  for (const [set, url] of targets) {
    await ensureDatabase(url);
    const applied = await migrateUp(url, set);
    const where = new URL(url);
    console.log(
      `${set} database ${where.pathname.slice(1)} at ${where.host}: ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`migration failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
