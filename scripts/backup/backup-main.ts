/**
 * `bash scripts/backup.sh [--out DIR]` runs this: writes a backup folder of AAR's state (see
 * docs/runbook.md, "Backup and restore"). The shell wrapper finds the PostgreSQL client programs
 * and passes their folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig, REPO_ROOT } from '../../runtime/config.js';
import {
  AUDIT_HEAD_FILE,
  type AuditHead,
  BACKUP_FORMAT,
  type FileDigest,
  fileDigest,
  MANIFEST_FILE,
  type Manifest,
  type TemporalBackup,
} from './manifest.js';
import { runPgTool } from './pg-tools.js';
import { type DumpedDatabase, dumpInSnapshot } from './snapshot-dump.js';
import { copySqlite, runningPid, temporalScript, temporalTarget } from './temporal-state.js';

const say = (message: string) => process.stderr.write(`[aar] ${message}\n`);

/** `20261207T044612Z`: sorts by time, safe in a file name. */
const stamp = (at: Date) =>
  at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

function aarCommit(): string | null {
  const run = spawnSync('git', ['-C', REPO_ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : null;
}

/**
 * Copies the embedded dev server's SQLite state first: the databases are dumped after it, so a
 * restored Temporal is never ahead of the record. A workflow replayed from an older history
 * repeats steps whose effects the record already holds, and those steps are idempotent; a
 * history ahead of the record would skip writes the record never got.
 */
function backupTemporal(config: Config, work: string, cliVersion: string): TemporalBackup {
  const target = temporalTarget(config);
  if (!target.embedded) return { included: false, reason: target.reason };
  if (!existsSync(target.stateFile)) {
    return {
      included: false,
      reason: `no dev-server state at ${target.stateFile} (Temporal never ran here)`,
    };
  }
  // The dev server does not survive a reader's lock on its file: a write that meets SQLITE_BUSY
  // leaves its connection inside a broken transaction, and every later call fails ("cannot start a
  // transaction within a transaction"). So the copy is taken with the server stopped, for the
  // seconds the copy takes; workers and clients reconnect on their own, as after any restart.
  const pid = runningPid(target.pidFile);
  if (pid !== null) {
    say(`stopping the Temporal dev server (pid ${pid}) for the copy of its state; it starts again after`);
    temporalScript('stop');
  }
  let sqliteVersion: string;
  try {
    say(`copying the Temporal dev server's state ${target.stateFile}`);
    ({ sqliteVersion } = copySqlite(config.AAR_PYTHON, target.stateFile, join(work, 'temporal.db')));
  } finally {
    if (pid !== null) temporalScript('start');
  }
  return { included: true, file: 'temporal.db', source: target.stateFile, cliVersion, sqliteVersion };
}

async function backup(
  config: Config,
  out: string,
  pgBin: string,
  cliVersion: string,
): Promise<{ manifest: Manifest; head: AuditHead }> {
  const work = `${out}.partial-${process.pid}`;
  mkdirSync(work, { mode: 0o700 });
  try {
    const temporal = backupTemporal(config, work, cliVersion);
    say('dumping the record database');
    const record = await dumpInSnapshot({
      set: 'record',
      url: config.AAR_MIGRATE_DATABASE_URL,
      pgBin,
      dir: work,
      file: 'record.dump',
    });
    // After the record: a submission the eval database holds but the record lacks is replayed by the
    // eval server when the orchestrator submits again; the reverse could not be repaired.
    say('dumping the eval database (labels, tokens, audit chain)');
    const evalDb: DumpedDatabase = await dumpInSnapshot({
      set: 'eval',
      url: config.AAR_MIGRATE_EVAL_DATABASE_URL,
      pgBin,
      dir: work,
      file: 'eval.dump',
    });
    const head = evalDb.auditHead;
    if (head === undefined) throw new Error('the eval dump reported no audit head');
    writeFileSync(join(work, AUDIT_HEAD_FILE), `${JSON.stringify(head, null, 2)}\n`, { mode: 0o600 });
    const names = [
      'record.dump',
      'eval.dump',
      AUDIT_HEAD_FILE,
      ...(temporal.included ? [temporal.file] : []),
    ];
    const files: Record<string, FileDigest> = {};
    for (const name of names) files[name] = await fileDigest(join(work, name));
    const pgDump = await runPgTool(pgBin, 'pg_dump', ['--version']);
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      aarCommit: aarCommit(),
      tools: { node: process.version, pgDump: pgDump.stdout.trim() },
      databases: { record: record.info, eval: evalDb.info },
      temporal,
      files,
    };
    writeFileSync(join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    renameSync(work, out);
    return { manifest, head };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

function summary(out: string, manifest: Manifest, head: AuditHead): string[] {
  const size = (name: string) => `${((manifest.files[name]?.bytes ?? 0) / 1e6).toFixed(1)} MB`;
  const rows = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  const { record, eval: evalDb } = manifest.databases;
  return [
    `backup written to ${out}`,
    `  record    ${record.file} ${size(record.file)}: ${Object.keys(record.rowCounts).length} tables, ${rows(record.rowCounts)} rows, migrations to ${record.migrations.at(-1) ?? '(none)'}`,
    `  eval      ${evalDb.file} ${size(evalDb.file)}: ${Object.keys(evalDb.rowCounts).length} tables, ${rows(evalDb.rowCounts)} rows, migrations to ${evalDb.migrations.at(-1) ?? '(none)'}`,
    `  audit     ${AUDIT_HEAD_FILE}: head ${head.seq} ${head.hash} (${head.chainOk ? `chain OK, ${head.entries} entries` : 'chain BROKEN'})`,
    manifest.temporal.included
      ? `  temporal  ${manifest.temporal.file} ${size(manifest.temporal.file)}: the dev server's state`
      : `  temporal  not included: ${manifest.temporal.reason}`,
    `Keep a copy of ${AUDIT_HEAD_FILE}'s head hash somewhere else as well: a chain rewritten from its start is only caught against it.`,
  ];
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      'pg-bin': { type: 'string' },
      'temporal-cli-version': { type: 'string', default: 'unknown' },
    },
  });
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`backup: ${error.message}\n`);
    return 2;
  }
  if (values['pg-bin'] === undefined) throw new Error('--pg-bin is required (scripts/backup.sh passes it)');
  const out = resolve(values.out ?? join(config.AAR_STATE_DIR, 'backups', stamp(new Date())));
  if (existsSync(out)) {
    process.stderr.write(
      `backup: refusing to write into ${out}: it exists (choose another --out, or move it away)\n`,
    );
    return 1;
  }
  mkdirSync(dirname(out), { recursive: true, mode: 0o700 });
  const { manifest, head } = await backup(config, out, values['pg-bin'], values['temporal-cli-version']);
  for (const line of summary(out, manifest, head)) process.stdout.write(`${line}\n`);
  if (!head.chainOk) {
    process.stderr.write(
      `backup: WARNING: the audit chain was already BROKEN when backed up (${head.reason}); the backup keeps it as found: see docs/runbook.md, "Verify the audit log"\n`,
    );
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`backup failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
