/**
 * `bash scripts/restore.sh [--check] [--replace] BACKUP_DIR` runs this: checks a backup folder
 * against its manifest, restores it into the databases (and the embedded Temporal dev server) the
 * configuration points at, and verifies the result (see docs/runbook.md, "Backup and restore").
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { migrateUp } from '../../db/migrate.js';
import { grantRuntimeRole, roleOf } from '../../db/runtime-grants.js';
import { type Config, ConfigError, loadConfig } from '../../runtime/config.js';
import {
  AUDIT_HEAD_FILE,
  AuditHead,
  damagedFiles,
  MANIFEST_FILE,
  Manifest,
  readBackupJson,
} from './manifest.js';
import { errorTail, runPgTool } from './pg-tools.js';
import { knownMigrationsProblem, Refusal, runningServices } from './preflight.js';
import { restoreDatabases, verifyRestore } from './restore-databases.js';
import { restoreTemporal } from './restore-temporal.js';

const say = (message: string) => process.stderr.write(`[aar] ${message}\n`);

/** The restored databases differ from the backup; `lines` is the verdict to print. */
class VerificationFailure extends Error {
  constructor(readonly lines: string[]) {
    super('verification failed');
  }
}

/** Reads the folder and checks it whole: every file against the manifest, each dump readable. */
async function checkBackup(dir: string, pgBin: string): Promise<{ manifest: Manifest; head: AuditHead }> {
  const manifest = readBackupJson(dir, MANIFEST_FILE, Manifest);
  const damaged = await damagedFiles(dir, manifest);
  if (damaged.length > 0) {
    throw new Refusal(`refusing ${dir}: it is damaged or was altered:\n  ${damaged.join('\n  ')}`);
  }
  const referenced = [
    manifest.databases.record.file,
    manifest.databases.eval.file,
    AUDIT_HEAD_FILE,
    ...(manifest.temporal.included ? [manifest.temporal.file] : []),
  ];
  const unlisted = referenced.filter((name) => manifest.files[name] === undefined);
  if (unlisted.length > 0)
    throw new Refusal(`refusing ${dir}: manifest.json gives no sha256 for ${unlisted.join(', ')}`);
  const head = readBackupJson(dir, AUDIT_HEAD_FILE, AuditHead);
  for (const set of ['record', 'eval'] as const) {
    const file = manifest.databases[set].file;
    const list = await runPgTool(pgBin, 'pg_restore', ['--list', `${dir}/${file}`]);
    if (list.code !== 0)
      throw new Refusal(`refusing ${dir}: pg_restore cannot read ${file}:\n${errorTail(list.stderr)}`);
    const unknown = knownMigrationsProblem(set, manifest.databases[set].migrations);
    if (unknown !== null) throw new Refusal(`refusing ${dir}: ${unknown}`);
  }
  return { manifest, head };
}

async function restore(config: Config, dir: string, pgBin: string, replace: boolean): Promise<string[]> {
  const { manifest, head } = await checkBackup(dir, pgBin);
  const services = runningServices(config.AAR_STATE_DIR);
  if (services.length > 0) {
    throw new Refusal(
      `refusing to restore while AAR services run (${services.join(', ')}): they would act on the databases as they are replaced; stop them first (bash scripts/services.sh stop)`,
    );
  }
  const lines = await restoreDatabases({ config, dir, manifest, pgBin, replace, say });
  const verdict = await verifyRestore({ config, manifest, head });
  lines.push(...verdict.lines);
  if (!verdict.ok) {
    lines.push('RESTORE FAILED VERIFICATION: the restored databases differ from the backup (see above)');
    throw new VerificationFailure(lines);
  }
  // The runtime roles' grants (and any migration newer than the backup), as after `make setup`.
  for (const [set, ownerUrl, runtimeUrl] of [
    ['record', config.AAR_MIGRATE_DATABASE_URL, config.DATABASE_URL],
    ['eval', config.AAR_MIGRATE_EVAL_DATABASE_URL, config.EVAL_DATABASE_URL],
  ] as const) {
    const applied = await migrateUp(ownerUrl, set);
    if (applied.length > 0)
      lines.push(`  ${set} migrations newer than the backup applied: ${applied.join(', ')}`);
    await grantRuntimeRole(ownerUrl, set, roleOf(runtimeUrl));
  }
  lines.push(...restoreTemporal({ config, dir, temporal: manifest.temporal, say }));
  lines.push(`RESTORE OK: ${dir} restored and verified`);
  return lines;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'pg-bin': { type: 'string' },
      check: { type: 'boolean', default: false },
      replace: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1 || values['pg-bin'] === undefined) {
    process.stderr.write('usage: restore.sh [--check] [--replace] BACKUP_DIR\n');
    return 2;
  }
  const dir = resolve(positionals[0]!);
  const pgBin = values['pg-bin'];
  try {
    if (values.check) {
      const { manifest, head } = await checkBackup(dir, pgBin);
      process.stdout.write(
        `backup ${dir} is intact: ${Object.keys(manifest.files).length} files match manifest.json; audit head ${head.seq} ${head.hash}; taken ${manifest.createdAt}\n`,
      );
      return 0;
    }
    let config: Config;
    try {
      config = loadConfig();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(`restore: ${error.message}\n`);
      return 2;
    }
    for (const line of await restore(config, dir, pgBin, values.replace)) process.stdout.write(`${line}\n`);
    return 0;
  } catch (error) {
    if (error instanceof Refusal) {
      process.stderr.write(`restore: ${error.message}\n`);
      return 1;
    }
    if (error instanceof VerificationFailure) {
      for (const line of error.lines) process.stdout.write(`${line}\n`);
      return 1;
    }
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`restore failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
