import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config } from '../../runtime/config.js';
import type { TemporalBackup } from './manifest.js';
import { runningPid, temporalScript, temporalTarget } from './temporal-state.js';

/**
 * Puts the backup's Temporal dev-server state in place of the embedded server's: the server is
 * stopped first (SQLite must not change under it) and started again when it was running. The
 * state it had is kept beside it, never deleted. Returns the lines of the restore's verdict.
 */
export function restoreTemporal(options: {
  config: Config;
  dir: string;
  temporal: TemporalBackup;
  say: (message: string) => void;
}): string[] {
  const { config, dir, temporal, say } = options;
  if (!temporal.included) {
    return [`  temporal not in this backup (${temporal.reason}): restore that cluster from its own backup`];
  }
  const target = temporalTarget(config);
  if (!target.embedded) {
    return [`  temporal NOT restored: ${target.reason}; this backup's dev-server state is left in ${dir}`];
  }
  const pid = runningPid(target.pidFile);
  if (pid !== null) {
    say(`stopping the Temporal dev server (pid ${pid}) to replace its state; it starts again afterwards`);
    temporalScript('stop');
  }
  mkdirSync(dirname(target.stateFile), { recursive: true });
  const kept = `before-restore-${new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
  let keptAt: string | null = null;
  // SQLite's journal files belong to the file they were written for: move them away with it.
  for (const suffix of ['', '-journal', '-wal', '-shm']) {
    const file = `${target.stateFile}${suffix}`;
    if (!existsSync(file)) continue;
    renameSync(file, `${file}.${kept}`);
    if (suffix === '') keptAt = `${file}.${kept}`;
  }
  copyFileSync(join(dir, temporal.file), target.stateFile);
  const lines = [
    `  temporal dev-server state restored into ${target.stateFile}${keptAt === null ? '' : ` (the previous one is kept as ${keptAt})`}`,
  ];
  if (pid !== null) {
    say('starting the Temporal dev server on the restored state');
    temporalScript('start');
    lines.push(`  temporal dev server stopped (pid ${pid}) and started again on the restored state`);
  } else {
    lines.push(
      '  temporal dev server was not running: start it (bash scripts/temporal.sh start, or make dev-up)',
    );
  }
  return lines;
}
