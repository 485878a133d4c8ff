import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvalClient } from '../eval/eval-client.js';

/**
 * Keeps one local copy of each task bundle, fetched from the eval server (the source of truth for
 * which bundle goes with the labels) and checked against its SHA-256 before use.
 */
export function createBundleCache(dir: string, evalClient: EvalClient): (taskId: string) => Promise<string> {
  const inflight = new Map<string, Promise<string>>();
  return (taskId) => {
    const path = join(dir, 'cache', `${taskId}.npz`);
    if (existsSync(path)) return Promise.resolve(path);
    let pending = inflight.get(taskId);
    if (pending === undefined) {
      pending = (async () => {
        const { bytes, sha256 } = await evalClient.taskBundle(taskId);
        const actual = createHash('sha256').update(bytes).digest('hex');
        if (actual !== sha256)
          throw new Error(`bundle of task ${taskId} is corrupt (sha256 ${actual}, expected ${sha256})`);
        mkdirSync(join(dir, 'cache'), { recursive: true });
        const tmp = `${path}.${process.pid}.tmp`;
        writeFileSync(tmp, bytes);
        renameSync(tmp, path);
        return path;
      })().finally(() => inflight.delete(taskId));
      inflight.set(taskId, pending);
    }
    return pending;
  };
}
