/**
 * `make setup` runs this: creates AAR's databases when missing, applies every pending migration
 * as each database's owner role (AAR_MIGRATE_DATABASE_URL, AAR_MIGRATE_EVAL_DATABASE_URL), and
 * grants the runtime roles (the users of DATABASE_URL, EVAL_DATABASE_URL) their privileges.
 * Safe to run any number of times.
 */
import pg from 'pg';
import { loadConfig } from '../runtime/config.js';
import { type MigrationSet, migrateUp } from './migrate.js';
import { grantRuntimeRole, roleOf } from './runtime-grants.js';

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
  const targets: [MigrationSet, string, string][] = [
    ['record', config.AAR_MIGRATE_DATABASE_URL, config.DATABASE_URL],
    ['eval', config.AAR_MIGRATE_EVAL_DATABASE_URL, config.EVAL_DATABASE_URL],
  ];
  for (const [set, ownerUrl, runtimeUrl] of targets) {
    await ensureDatabase(ownerUrl);
    const applied = await migrateUp(ownerUrl, set);
    const granted = await grantRuntimeRole(ownerUrl, set, roleOf(runtimeUrl));
    const where = new URL(ownerUrl);
    console.log(
      `${set} database ${where.pathname.slice(1)} at ${where.host} as ${roleOf(ownerUrl)}: ${applied.length === 0 ? 'up to date' : `applied ${applied.join(', ')}`}${granted === 'granted' ? `; runtime role ${roleOf(runtimeUrl)} granted` : ''}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`migration failed: ${(error as Error).message}`);
    process.exit(1);
  });
}
