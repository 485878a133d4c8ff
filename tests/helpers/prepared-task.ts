import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, REPO_ROOT } from '../../runtime/config.js';

/**
 * A hash of the trainer's and the student runtime's sources (prepare trains with both), so a
 * changed trainer prepares its tasks again: generator version 2 drew its data from a secret,
 * and tasks prepared before it (public data seed) are never reused.
 */
function trainerDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (name === 'tests' || name === '__pycache__') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.py')) hash.update(name).update(readFileSync(path));
    }
  };
  walk(join(REPO_ROOT, 'trainer'));
  walk(join(REPO_ROOT, 'student'));
  return hash.digest('hex').slice(0, 12);
}

/**
 * The data secret of test tasks: fixed, so every machine's tests see the same data and the same
 * outcomes (a deployment's tasks draw theirs at random; this one is public and guards nothing).
 */
const TEST_DATA_SECRET = createHash('sha256').update('aar test tasks').digest('hex');

/**
 * The folder of a task prepared by the real trainer (`bundle.npz` + `labels.json`), at the small
 * size tests use, from the fixed test secret. Prepared once per trainer version and cached in the
 * state folder.
 */
export function preparedTask(task = 'mnist1d', size: 'small' | 'default' = 'small'): string {
  const config = loadConfig();
  const root = join(config.AAR_STATE_DIR, 'tasks', `prepared-${size}-${trainerDigest()}-fixed`);
  const dir = join(root, task);
  if (existsSync(join(dir, 'labels.json'))) return dir;
  mkdirSync(root, { recursive: true });
  const secretFile = join(root, 'test-data-secret.hex');
  writeFileSync(secretFile, TEST_DATA_SECRET);
  const run = spawnSync(
    config.AAR_PYTHON,
    ['-m', 'trainer', 'prepare', '--task', task, '--size', size, '--out', dir, '--secret-file', secretFile],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 600_000,
    },
  );
  if (run.status !== 0) throw new Error(`trainer prepare failed (${run.status}): ${run.stderr}`);
  return dir;
}
