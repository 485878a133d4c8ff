import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

/** What one sandboxed local run may use (trainer/launcher/sandbox.py enforces them). */
export interface RunLimits {
  /** Wall-clock limit: the launcher kills the sandbox then and the run fails with kind `timeout`. */
  readonly wallSeconds: number;
  /** Address-space limit of the student (RLIMIT_AS). */
  readonly memoryBytes: number;
  /** Processes and threads the student may have (RLIMIT_NPROC). */
  readonly processes: number;
  /** Largest file the student may write (RLIMIT_FSIZE). */
  readonly fileBytes: number;
  /** What the run's writable folder may hold in all; the launcher kills the run past it. */
  readonly diskBytes: number;
}

export const DEFAULT_RUN_LIMITS: RunLimits = {
  wallSeconds: 3600,
  memoryBytes: 8 * 2 ** 30,
  processes: 256,
  fileBytes: 2 ** 30,
  diskBytes: 4 * 2 ** 30,
};

/** The programs the sandbox cannot do without. */
const SANDBOX_TOOLS = ['bwrap', 'strace', 'prlimit'] as const;

/** The sandbox tools not found on `path` (a PATH string); empty when the sandbox can run. */
export function missingSandboxTools(path: string): string[] {
  return SANDBOX_TOOLS.filter(
    (tool) =>
      !path.split(':').some((dir) => {
        try {
          accessSync(join(dir, tool), constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }),
  );
}

export interface LaunchRequest {
  readonly python: string;
  readonly runDir: string;
  readonly runId: string;
  readonly bundle: string;
  readonly seed: number;
  readonly uploadUrl: string;
  readonly limits: RunLimits;
  /** The spec's own `resources.maxWallSeconds`: it may lower the executor's limit, never raise it. */
  readonly specWallSeconds?: number;
  readonly modelsDir?: string;
}

/** The wall-clock limit of a run: the spec's when it asks for less than the executor allows. */
export function wallLimit(limits: RunLimits, specWallSeconds?: number): number {
  return Math.max(1, Math.min(limits.wallSeconds, specWallSeconds ?? limits.wallSeconds));
}

/** Arguments after the interpreter: `-m trainer.launcher run ...`, a pure function of the request. */
export function launcherArgs(request: LaunchRequest): string[] {
  const args = ['-m', 'trainer.launcher', 'run', '--run-dir', request.runDir, '--run-id', request.runId];
  args.push('--bundle', request.bundle, '--seed', String(request.seed), '--python', request.python);
  args.push('--upload-url', request.uploadUrl);
  args.push('--wall-seconds', String(wallLimit(request.limits, request.specWallSeconds)));
  args.push('--memory-bytes', String(request.limits.memoryBytes));
  args.push('--processes', String(request.limits.processes));
  args.push('--file-bytes', String(request.limits.fileBytes));
  args.push('--disk-bytes', String(request.limits.diskBytes));
  if (request.modelsDir) args.push('--models-dir', request.modelsDir);
  return args;
}
