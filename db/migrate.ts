import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';

/** The two databases AAR owns: its record, and the eval server's label store. */
export const MIGRATION_SETS = {
  record: { dir: fileURLToPath(new URL('./migrations', import.meta.url)), table: 'pgmigrations' },
  eval: { dir: fileURLToPath(new URL('./eval-migrations', import.meta.url)), table: 'pgmigrations' },
} as const;
export type MigrationSet = keyof typeof MIGRATION_SETS;

/** Names of the migration files of a set, in the order they apply (without extension). */
export function migrationNames(set: MigrationSet): string[] {
  return readdirSync(MIGRATION_SETS[set].dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => f.replace(/\.sql$/, ''));
}

/** Applies every pending migration of `set` to the database at `url`; returns the names applied. */
export async function migrateUp(url: string, set: MigrationSet): Promise<string[]> {
  const applied = await runner({
    databaseUrl: url,
    dir: MIGRATION_SETS[set].dir,
    migrationsTable: MIGRATION_SETS[set].table,
    direction: 'up',
    count: Number.POSITIVE_INFINITY,
    checkOrder: true,
    log: () => undefined,
  });
  return applied.map((m) => m.name);
}

/** Thrown at server start when the database schema is behind the code. */
export class SchemaBehindError extends Error {
  constructor(
    readonly set: MigrationSet,
    readonly pending: readonly string[],
  ) {
    super(
      `the ${set} database schema is behind this code (pending: ${pending.join(', ')}); run \`make setup\``,
    );
    this.name = 'SchemaBehindError';
  }
}

/**
 * Checks, without changing anything, that every migration of `set` has been applied; throws
 * {@link SchemaBehindError} naming the missing ones. Servers call this before they listen.
 */
export async function assertSchemaCurrent(client: pg.Pool | pg.Client, set: MigrationSet): Promise<void> {
  const table = MIGRATION_SETS[set].table;
  const exists = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    table,
  ]);
  const done = new Set<string>();
  if (exists.rows[0]?.present) {
    const rows = await client.query<{ name: string }>(`SELECT name FROM ${table}`);
    for (const row of rows.rows) done.add(row.name);
  }
  const pending = migrationNames(set).filter((name) => !done.has(name));
  if (pending.length > 0) throw new SchemaBehindError(set, pending);
}
