import pg from 'pg';
import { MIGRATION_SETS, type MigrationSet } from '../../db/migrate.js';
import { describeUrl } from './pg-tools.js';
import { tableRowCounts } from './snapshot-dump.js';

/**
 * What a restore target holds: nothing; only a schema (a database `make dev-up` migrated and
 * nothing used: rows in its migrations table and the audit chain's genesis head, no more); or
 * data, which a restore replaces only when told to.
 */
export type TargetState =
  | { readonly kind: 'empty' }
  | { readonly kind: 'schema-only'; readonly tables: number }
  | { readonly kind: 'data'; readonly tables: readonly { name: string; rows: number }[] };

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect().catch((error: Error) => {
    throw new Error(`cannot connect to ${describeUrl(url)}: ${error.message}`);
  });
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function inspectTarget(url: string, set: MigrationSet): Promise<TargetState> {
  return withClient(url, async (client) => {
    const counts = await tableRowCounts(client);
    const names = Object.keys(counts);
    if (names.length === 0) return { kind: 'empty' };
    if (counts.audit_head !== undefined) {
      const used = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM public.audit_head WHERE seq > 0',
      );
      counts.audit_head = Number(used.rows[0]?.n ?? 0);
    }
    const tables = names
      .filter((name) => name !== MIGRATION_SETS[set].table && (counts[name] ?? 0) > 0)
      .map((name) => ({ name, rows: counts[name] ?? 0 }));
    return tables.length === 0 ? { kind: 'schema-only', tables: names.length } : { kind: 'data', tables };
  });
}

/** Tables whose row count differs between the backup's snapshot and the restored database. */
export async function rowCountDifferences(url: string, expected: Record<string, number>): Promise<string[]> {
  const found = await withClient(url, (client) => tableRowCounts(client));
  const names = [...new Set([...Object.keys(expected), ...Object.keys(found)])].sort();
  return names
    .filter((name) => expected[name] !== found[name])
    .map(
      (name) =>
        `${name}: ${found[name] ?? 'no table'} rows restored, ${expected[name] ?? 'no table'} in the backup`,
    );
}
