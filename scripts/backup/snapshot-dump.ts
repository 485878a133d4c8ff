import pg from 'pg';
import { MIGRATION_SETS, type MigrationSet } from '../../db/migrate.js';
import type { Pool } from '../../runtime/db.js';
import { verifyAudit } from '../../server/eval/audit/audit-repository.js';
import type { AuditHead, DatabaseBackup } from './manifest.js';
import { describeUrl, errorTail, libpqTarget, runPgTool } from './pg-tools.js';

type Query = Pick<pg.ClientBase, 'query'>;

/** Rows of each table of schema public, as `db` sees them (inside a snapshot: as of it). */
export async function tableRowCounts(db: Query): Promise<Record<string, number>> {
  const tables = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables.rows) {
    const result = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM public.${pg.escapeIdentifier(name)}`,
    );
    counts[name] = Number(result.rows[0]?.n ?? 0);
  }
  return counts;
}

/** The applied migrations of `set`, in the order they ran; empty when the table is absent. */
export async function appliedMigrations(db: Query, set: MigrationSet): Promise<string[]> {
  const table = MIGRATION_SETS[set].table;
  const exists = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    `public.${table}`,
  ]);
  if (!exists.rows[0]?.present) return [];
  const rows = await db.query<{ name: string }>(
    `SELECT name FROM public.${pg.escapeIdentifier(table)} ORDER BY run_on, id`,
  );
  return rows.rows.map((row) => row.name);
}

export interface DumpedDatabase {
  readonly info: DatabaseBackup;
  /** The eval database's audit chain head in the same snapshot as the dump (eval only). */
  readonly auditHead?: AuditHead;
}

/**
 * Dumps one database (`pg_dump -Fc`, as the role of `url`) inside a snapshot this function
 * exports and holds: the row counts, the migrations and, for the eval database, the audit chain
 * head and its verification all describe exactly what the dump holds, however busy the
 * database is meanwhile.
 */
export async function dumpInSnapshot(options: {
  set: MigrationSet;
  url: string;
  pgBin: string;
  dir: string;
  file: string;
}): Promise<DumpedDatabase> {
  const { set, url, pgBin, dir, file } = options;
  const source = describeUrl(url);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect().catch((error: Error) => {
    throw new Error(`cannot connect to the ${set} database as ${source}: ${error.message}`);
  });
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snapshot = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!.id;
    const serverVersion = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]!
      .server_version;
    const migrations = await appliedMigrations(client, set);
    const rowCounts = await tableRowCounts(client);
    let auditHead: AuditHead | undefined;
    if (set === 'eval') {
      // verifyAudit only issues queries; this client, inside the snapshot, serves as its pool.
      const chain = await verifyAudit(client as unknown as Pool);
      auditHead = {
        seq: chain.headSeq,
        hash: chain.headHash,
        entries: chain.entries,
        chainOk: chain.ok,
        reason: chain.reason,
        takenAt: new Date().toISOString(),
        source,
      };
    }
    const target = libpqTarget(url);
    const dump = await runPgTool(
      pgBin,
      'pg_dump',
      ['--format=custom', `--snapshot=${snapshot}`, `--file=${dir}/${file}`, `--dbname=${target.dbname}`],
      target.env,
    );
    if (dump.code !== 0)
      throw new Error(`pg_dump of the ${set} database (${source}) failed:\n${errorTail(dump.stderr)}`);
    await client.query('COMMIT');
    return {
      info: { file, source, serverVersion, migrations, rowCounts },
      ...(auditHead === undefined ? {} : { auditHead }),
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
