import { join } from 'node:path';
import pg from 'pg';
import type { Config } from '../../runtime/config.js';
import { verifyAudit } from '../../server/eval/audit/audit-repository.js';
import type { AuditHead, Manifest } from './manifest.js';
import { describeUrl, errorTail, restoreDump } from './pg-tools.js';
import { Refusal } from './preflight.js';
import { inspectTarget, rowCountDifferences, type TargetState } from './target-database.js';

const SETS = ['record', 'eval'] as const;

const ownerUrl = (config: Config, set: (typeof SETS)[number]) =>
  set === 'record' ? config.AAR_MIGRATE_DATABASE_URL : config.AAR_MIGRATE_EVAL_DATABASE_URL;

/**
 * Restores both dumps, each in one transaction, as the databases' owner roles: refuses first,
 * touching nothing, when either target holds data and `replace` is not given. A target that holds
 * a schema only (freshly migrated) or data to replace has its schema public dropped inside the
 * same transaction as the restore.
 */
export async function restoreDatabases(options: {
  config: Config;
  dir: string;
  manifest: Manifest;
  pgBin: string;
  replace: boolean;
  say: (message: string) => void;
}): Promise<string[]> {
  const { config, dir, manifest, pgBin, replace, say } = options;
  const states = new Map<string, TargetState>();
  for (const set of SETS) states.set(set, await inspectTarget(ownerUrl(config, set), set));
  const occupied = SETS.filter((set) => states.get(set)?.kind === 'data');
  if (occupied.length > 0 && !replace) {
    const details = occupied.map((set) => {
      const state = states.get(set) as Extract<TargetState, { kind: 'data' }>;
      const tables = state.tables.map((t) => `${t.name} ${t.rows}`).join(', ');
      return `the ${set} database ${describeUrl(ownerUrl(config, set))} holds data (rows: ${tables})`;
    });
    throw new Refusal(
      `refusing to restore over data: ${details.join('; ')}. Pass --replace to drop what it holds and restore the backup in its place.`,
    );
  }
  const lines: string[] = [];
  for (const set of SETS) {
    const url = ownerUrl(config, set);
    const state = states.get(set)!;
    const before = state.kind === 'empty' ? [] : ['DROP SCHEMA public CASCADE', 'CREATE SCHEMA public'];
    const what =
      state.kind === 'data'
        ? ' (replacing what it held)'
        : state.kind === 'schema-only'
          ? ' (over an unused schema)'
          : '';
    say(`restoring the ${set} database into ${describeUrl(url)}${what}`);
    const run = await restoreDump(pgBin, join(dir, manifest.databases[set].file), url, before);
    if (run.code !== 0) {
      const done =
        set === 'eval' ? ' The record database was restored already; run again with --replace.' : '';
      throw new Error(
        `restoring the ${set} database failed and was rolled back:${done}\n${errorTail(run.stderr)}`,
      );
    }
    lines.push(`  ${set.padEnd(8)} restored into ${describeUrl(url)}${what}`);
  }
  return lines;
}

/**
 * Checks the restored databases against the backup: every table's row count against the
 * manifest (counted in the dump's own snapshot), and the eval database's audit chain recomputed
 * from the genesis by the eval server's own routine, its head equal to `audit-head.json`.
 */
export async function verifyRestore(options: {
  config: Config;
  manifest: Manifest;
  head: AuditHead;
}): Promise<{ ok: boolean; lines: string[] }> {
  const { config, manifest, head } = options;
  const lines: string[] = [];
  let ok = true;
  for (const set of SETS) {
    const expected = manifest.databases[set].rowCounts;
    const differences = await rowCountDifferences(ownerUrl(config, set), expected);
    const rows = Object.values(expected).reduce((a, b) => a + b, 0);
    if (differences.length === 0)
      lines.push(`  ${set.padEnd(8)} ${Object.keys(expected).length} tables, ${rows} rows: as in the backup`);
    else {
      ok = false;
      lines.push(`  ${set.padEnd(8)} DIFFERS from the backup: ${differences.join('; ')}`);
    }
  }
  const pool = new pg.Pool({
    connectionString: ownerUrl(config, 'eval'),
    max: 1,
    connectionTimeoutMillis: 10_000,
  });
  try {
    const chain = await verifyAudit(pool);
    if (!chain.ok) {
      ok = false;
      lines.push(`  audit    chain BROKEN at entry ${chain.firstBrokenSeq}: ${chain.reason}`);
    } else if (chain.headSeq !== head.seq || chain.headHash !== head.hash) {
      ok = false;
      lines.push(
        `  audit    chain links (${chain.entries} entries) but its head ${chain.headSeq} ${chain.headHash} is NOT audit-head.json's ${head.seq} ${head.hash}`,
      );
    } else {
      lines.push(
        `  audit    chain OK: ${chain.entries} entries recomputed; head ${chain.headSeq} ${chain.headHash} matches audit-head.json`,
      );
    }
  } finally {
    await pool.end();
  }
  return { ok, lines };
}
