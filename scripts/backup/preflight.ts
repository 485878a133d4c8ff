import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MigrationSet, migrationNames } from '../../db/migrate.js';

/** A restore that must not go ahead; its message says why and what to do. Nothing was changed. */
export class Refusal extends Error {
  override readonly name = 'Refusal';
}

/**
 * Why this code cannot take the backup's schema of `set`, or null when it can: every migration
 * the backup applied must be one of this code's, in the same order (newer code applies the rest).
 */
export function knownMigrationsProblem(set: MigrationSet, applied: readonly string[]): string | null {
  const known = migrationNames(set);
  const unknown = applied.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    return `its ${set} database has migrations this AAR version does not know (${unknown.join(', ')}): restore it with the version that made it (manifest.json, aarCommit)`;
  }
  const inOrder = applied.every((name, i) => known[i] === name);
  return inOrder ? null : `its ${set} migrations (${applied.join(', ')}) are not a prefix of this version's`;
}

/** AAR processes of the dev stack (scripts/services.sh) that are alive, as `name (pid N)`. */
export function runningServices(stateDir: string): string[] {
  const dir = join(stateDir, 'services');
  if (!existsSync(dir)) return [];
  const alive: string[] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.pid'))) {
    const pid = Number(readFileSync(join(dir, file), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 0);
      alive.push(`${file.replace(/\.pid$/, '')} (pid ${pid})`);
    } catch {
      // Not running: a stale pid file.
    }
  }
  return alive;
}
