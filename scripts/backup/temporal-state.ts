import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../runtime/config.js';
import { REPO_ROOT } from '../../runtime/config.js';

/**
 * Where the embedded Temporal dev server of `scripts/temporal.sh` keeps its state, or why the
 * configured Temporal is not that server (an external cluster: it has its own backups).
 */
export type TemporalTarget =
  | { readonly embedded: true; readonly stateFile: string; readonly pidFile: string }
  | { readonly embedded: false; readonly reason: string };

export function temporalTarget(config: Config): TemporalTarget {
  const local = [`127.0.0.1:${config.AAR_TEMPORAL_PORT}`, `localhost:${config.AAR_TEMPORAL_PORT}`];
  if (!local.includes(config.TEMPORAL_ADDRESS)) {
    return {
      embedded: false,
      reason: `TEMPORAL_ADDRESS=${config.TEMPORAL_ADDRESS} is not the embedded dev server (127.0.0.1:${config.AAR_TEMPORAL_PORT}); back that cluster up with its own tools`,
    };
  }
  const dir = join(config.AAR_STATE_DIR, 'temporal');
  return { embedded: true, stateFile: join(dir, 'temporal.db'), pidFile: join(dir, 'temporal.pid') };
}

/** The pid of the embedded dev server when it runs, else null. */
export function runningPid(pidFile: string): number | null {
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

// SQLite's backup API, run while the dev server is stopped (backup-main.ts says why): a copy that
// is checked before it counts.
const COPY_PROGRAM = `
import json, sqlite3, sys
source = sqlite3.connect(sys.argv[1], timeout=30)
copy = sqlite3.connect(sys.argv[2])
source.backup(copy)
source.close()
check = copy.execute('PRAGMA quick_check').fetchone()[0]
copy.close()
print(json.dumps({'sqliteVersion': sqlite3.sqlite_version, 'check': check}))
`;

/** Copies the dev server's SQLite file to `to` with Python's sqlite3 module; returns its version. */
export function copySqlite(python: string, from: string, to: string): { sqliteVersion: string } {
  const run = spawnSync(python, ['-c', COPY_PROGRAM, from, to], { encoding: 'utf8', timeout: 300_000 });
  if (run.error !== undefined)
    throw new Error(
      `cannot run ${python} (AAR_PYTHON) to copy the Temporal state: ${run.error.message}; install python3`,
    );
  if (run.status !== 0)
    throw new Error(`copying ${from} with ${python}'s sqlite3 module failed:\n${run.stderr.trim()}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
    sqliteVersion: string;
    check: string;
  };
  if (result.check !== 'ok')
    throw new Error(`the copy of ${from} fails SQLite's quick_check: ${result.check}`);
  return { sqliteVersion: result.sqliteVersion };
}

/** Runs `scripts/temporal.sh <action>` with this process's environment (state folder, ports). */
export function temporalScript(action: 'start' | 'stop'): void {
  const run = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'temporal.sh'), action], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  if (run.status !== 0)
    throw new Error(`scripts/temporal.sh ${action} failed (${run.status}):\n${(run.stderr ?? '').trim()}`);
}
