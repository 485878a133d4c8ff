import pg from 'pg';
import { MIGRATION_SETS, type MigrationSet } from './migrate.js';

/**
 * Tables whose runtime role may read and append but never change or delete rows. The eval
 * server only ever INSERTs into its hash-chained audit log (its trigger refuses the rest too).
 */
const APPEND_ONLY: Readonly<Record<MigrationSet, readonly string[]>> = {
  record: [],
  eval: ['audit_log'],
};

/** The role a PostgreSQL URL logs in as. */
export function roleOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

/**
 * The statements that give `role` what a runtime process needs in the database of `set`, and no
 * more: DML on every table of schema public (SELECT and INSERT only on append-only tables,
 * SELECT only on the migrations table), sequences for serial ids, and the same on tables and
 * sequences the owner creates later (default privileges), so a new migration needs no grants.
 * Run by the owner role: default privileges apply to objects that role creates.
 */
export function runtimeGrantStatements(set: MigrationSet, role: string): string[] {
  const r = pg.escapeIdentifier(role);
  const migrations = pg.escapeIdentifier(MIGRATION_SETS[set].table);
  return [
    `GRANT USAGE ON SCHEMA public TO ${r}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${r}`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${r}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${r}`,
    `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ${migrations} FROM ${r}`,
    ...APPEND_ONLY[set].map((t) => `REVOKE UPDATE, DELETE, TRUNCATE ON ${pg.escapeIdentifier(t)} FROM ${r}`),
  ];
}

/**
 * Grants the runtime role `role` its privileges in the database at `ownerUrl` (after the
 * migrations of `set` ran there as the owner). Nothing to do when the runtime role is the owner
 * itself (a deployment that gives one URL to everything, as before the roles split). Idempotent.
 */
export async function grantRuntimeRole(
  ownerUrl: string,
  set: MigrationSet,
  role: string,
): Promise<'granted' | 'same-role'> {
  const client = new pg.Client({ connectionString: ownerUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const me = await client.query<{ user: string; found: boolean }>(
      'SELECT current_user AS user, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) AS found',
      [role],
    );
    if (me.rows[0]?.user === role) return 'same-role';
    if (!me.rows[0]?.found)
      throw new Error(
        `runtime role ${role} does not exist; create it first (docs/runbook.md, "Database roles")`,
      );
    await client.query('BEGIN');
    for (const statement of runtimeGrantStatements(set, role)) await client.query(statement);
    await client.query('COMMIT');
    return 'granted';
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
