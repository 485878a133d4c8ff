import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The folder of one local run, `<runs dir>/<run id>/`: `spec.json`, `launch` (created exclusively
 * before the process starts, then filled with its pid), `stdout.log`, `stderr.log`, `result.json`
 * (the trainer's local copy) and `exit` (written by the wrapper shell when the trainer ends).
 */
export class RunFolder {
  constructor(readonly dir: string) {}
  get spec(): string {
    return join(this.dir, 'spec.json');
  }
  get launch(): string {
    return join(this.dir, 'launch');
  }
  get exit(): string {
    return join(this.dir, 'exit');
  }
  get result(): string {
    return join(this.dir, 'result.json');
  }
  get stdout(): string {
    return join(this.dir, 'stdout.log');
  }
  get stderr(): string {
    return join(this.dir, 'stderr.log');
  }

  /** The launch record, or null when the folder has none (never launched). */
  launchRecord(): { pid: number | null; startedAtMs: number } | null {
    if (!existsSync(this.launch)) return null;
    const text = readFileSync(this.launch, 'utf8').trim();
    if (text === '') return { pid: null, startedAtMs: statSync(this.launch).mtimeMs };
    const parsed = JSON.parse(text) as { pid: number; startedAtMs: number };
    return parsed;
  }

  /** The wrapper's record of the trainer's exit code, or null while it runs. */
  exitRecord(): { code: number; atMs: number } | null {
    if (!existsSync(this.exit)) return null;
    return { code: Number(readFileSync(this.exit, 'utf8').trim()), atMs: statSync(this.exit).mtimeMs };
  }

  /** The last `lines` lines of the trainer's stderr, for failure reports. */
  stderrTail(lines = 20): string {
    if (!existsSync(this.stderr)) return '';
    return readFileSync(this.stderr, 'utf8').split('\n').slice(-lines).join('\n');
  }
}

/**
 * Whether `pid` is alive and still this run's wrapper (its command line names the run folder),
 * so a recycled pid is never mistaken for the run.
 */
export function isRunProcess(pid: number, folder: RunFolder): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(folder.dir);
  } catch {
    return false;
  }
}

/** Finds a live process whose command line names the run folder (a launch whose pid was never recorded). */
export function findRunProcess(folder: RunFolder): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid !== process.pid && isRunProcess(pid, folder)) return pid;
  }
  return null;
}
