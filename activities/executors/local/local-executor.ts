import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure, CancelledFailure, type Context } from '@temporalio/activity';
import type { Logger } from '../../../runtime/logger.js';
import { deriveRunToken } from '../../../runtime/run-token.js';
import type { DispatchMetrics } from '../../metrics.js';
import { type Executor, FINAL_CANCELS, type RunExit, type RunRequest } from '../executor.js';
import { findRunProcess, isRunProcess, RunFolder } from './run-folder.js';
import { DEFAULT_RUN_LIMITS, launcherArgs, missingSandboxTools, type RunLimits } from './sandbox.js';

export interface LocalExecutorDeps {
  readonly runsDir: string;
  readonly python: string;
  /** Folder from which `python -m trainer` resolves (the repository root). */
  readonly trainerRoot: string;
  /** Base URL of the api server, where the trainer uploads its result bundle. */
  readonly apiUrl: string;
  readonly runTokenKey: string;
  /** Returns a local path to the task's bundle (downloaded from the eval server once). */
  readonly bundlePath: (taskId: string) => Promise<string>;
  readonly logger: Logger;
  readonly metrics: DispatchMetrics;
  /** Tells the api server a run started (for status and queue metrics); best effort, never throws. */
  readonly reportStarted: (runId: string, externalId: string) => Promise<void>;
  /** How often to heartbeat and look at the process. */
  readonly pollMs?: number;
  /** What each sandboxed run may use; a spec's `resources.maxWallSeconds` can only lower the wall clock. */
  readonly limits?: RunLimits;
  /** Host folder of model weights for text tasks (mounted read-only into the sandbox); none: text tasks are refused. */
  readonly modelsDir?: string;
  /** `PATH` where the launcher finds bubblewrap and strace (default: the system's). */
  readonly sandboxPath?: string;
}

/**
 * Runs each student in the sandbox: a detached launcher process group (`python3 -m trainer.launcher
 * run`), one folder per run. The launcher builds the bubblewrap sandbox, enforces the run's limits,
 * measures its wall time and uploads the result with a token the sandbox never holds. The folder
 * makes it idempotent: a re-delivered activity finds the `launch` file and re-attaches to the live
 * process, or reads the exit code it left, instead of training the same run twice. A worker killed
 * mid-run loses nothing: the launcher keeps running and uploads the result to the api. Without
 * bubblewrap or strace the run is refused: agent code never runs unsandboxed.
 */
export function createLocalExecutor(deps: LocalExecutorDeps): Executor {
  const pollMs = deps.pollMs ?? 1000;
  const limits = deps.limits ?? DEFAULT_RUN_LIMITS;
  const sandboxPath = deps.sandboxPath ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

  async function launch(request: RunRequest, folder: RunFolder): Promise<{ pid: number; adopted: boolean }> {
    mkdirSync(folder.dir, { recursive: true });
    let fd: number;
    try {
      // Exclusive create: of two concurrent attempts, exactly one launches.
      fd = openSync(folder.launch, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return { pid: await adoptPid(folder), adopted: true };
    }
    try {
      const bundle = await deps.bundlePath(request.taskId);
      writeFileSync(folder.spec, JSON.stringify(request.spec));
      const args = launcherArgs({
        python: deps.python,
        runDir: folder.dir,
        runId: request.runId,
        bundle,
        seed: request.spec.seed ?? 0,
        uploadUrl: `${deps.apiUrl}/v1/runs/${encodeURIComponent(request.runId)}/result`,
        limits,
        ...(request.spec.resources?.maxWallSeconds === undefined
          ? {}
          : { specWallSeconds: request.spec.resources.maxWallSeconds }),
        ...(deps.modelsDir ? { modelsDir: deps.modelsDir } : {}),
      });
      // The wrapper records the exit code even when no worker is left to see the process end.
      // `launches.log` gets one line per process start: the fault tests count them.
      const script =
        'd="$1"; shift; echo "$$ $(date +%s)" >>"$d/launches.log"; "$@" >"$d/stdout.log" 2>"$d/stderr.log"; c=$?; printf %s "$c" >"$d/exit.tmp"; mv "$d/exit.tmp" "$d/exit"';
      const child = spawn('/bin/sh', ['-c', script, 'aar-run', folder.dir, deps.python, ...args], {
        cwd: deps.trainerRoot,
        detached: true,
        stdio: 'ignore',
        // An allow-list: the launcher needs its tools and the run's upload token, nothing else of the worker's.
        env: {
          PATH: sandboxPath,
          LANG: 'C.UTF-8',
          PYTHONUNBUFFERED: '1',
          PYTHONDONTWRITEBYTECODE: '1',
          AAR_UPLOAD_TOKEN: deriveRunToken(deps.runTokenKey, request.runId),
        },
      });
      if (child.pid === undefined) throw new Error('the trainer process did not start');
      child.unref();
      writeSync(fd, JSON.stringify({ pid: child.pid, startedAtMs: Date.now() }));
      deps.metrics.runsLaunched.inc({ executor: 'local' });
      deps.logger.info({ runId: request.runId, pid: child.pid }, 'trainer launched');
      void deps.reportStarted(request.runId, `pid:${child.pid}`);
      return { pid: child.pid, adopted: false };
    } finally {
      closeSync(fd);
    }
  }

  async function adoptPid(folder: RunFolder): Promise<number> {
    // The launch file may be empty for a moment while its launcher writes the pid.
    for (let i = 0; i < 20; i++) {
      const record = folder.launchRecord();
      if (record?.pid) return record.pid;
      await new Promise((r) => setTimeout(r, 100));
    }
    return findRunProcess(folder) ?? -1;
  }

  function killGroup(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }

  return {
    async execute(request, context: Context): Promise<RunExit> {
      const folder = new RunFolder(join(deps.runsDir, request.runId));
      const done = folder.exitRecord();
      const record = folder.launchRecord();
      if (done && record) {
        deps.metrics.runsAdopted.inc({ executor: 'local' });
        return {
          exitCode: done.code,
          lost: false,
          wallSeconds: (done.atMs - record.startedAtMs) / 1000,
          adopted: true,
        };
      }
      const scheduled = context.info.currentAttemptScheduledTimestampMs;
      const missing = missingSandboxTools(sandboxPath);
      if (missing.length > 0 && folder.launchRecord() === null) {
        deps.logger.error({ runId: request.runId, missing }, 'sandbox tools missing: run refused');
        throw ApplicationFailure.nonRetryable(
          `the local executor refuses to run agent code without its sandbox: ${missing.join(', ')} not found on PATH; install the Debian packages bubblewrap and strace (make setup does)`,
          'SandboxUnavailable',
        );
      }
      const { pid, adopted } = await launch(request, folder);
      if (adopted) {
        deps.metrics.runsAdopted.inc({ executor: 'local' });
        deps.logger.info({ runId: request.runId, pid }, 'trainer adopted');
      } else {
        deps.metrics.runQueueSeconds.observe(
          { executor: 'local' },
          Math.max(0, (Date.now() - scheduled) / 1000),
        );
      }
      const startedAtMs = folder.launchRecord()?.startedAtMs ?? Date.now();
      let cancelReason = 'CANCELLED';
      context.cancelled.catch((error: unknown) => {
        cancelReason = error instanceof Error ? error.message : 'CANCELLED';
      });

      for (;;) {
        context.heartbeat({ runId: request.runId, pid });
        const exit = folder.exitRecord();
        if (exit) {
          const wallSeconds = (exit.atMs - startedAtMs) / 1000;
          deps.metrics.runDuration.observe(
            { executor: 'local', result: exit.code === 0 ? 'ok' : 'error' },
            wallSeconds,
          );
          return { exitCode: exit.code, lost: false, wallSeconds, adopted };
        }
        if (pid <= 0 || !isRunProcess(pid, folder)) {
          // The wrapper writes `exit` just before it ends: look once more before calling it lost.
          await new Promise((r) => setTimeout(r, 300));
          const late = folder.exitRecord();
          if (late)
            return {
              exitCode: late.code,
              lost: false,
              wallSeconds: (late.atMs - startedAtMs) / 1000,
              adopted,
            };
          deps.logger.warn({ runId: request.runId, pid }, 'trainer vanished without an exit code');
          return { exitCode: null, lost: true, wallSeconds: (Date.now() - startedAtMs) / 1000, adopted };
        }
        if (context.cancellationSignal.aborted) {
          if (!FINAL_CANCELS.has(cancelReason)) {
            // A graceful worker restart or a missed heartbeat: the run goes on, the next attempt adopts it.
            deps.logger.info(
              { runId: request.runId, pid, reason: cancelReason },
              'stopped watching; the run goes on',
            );
            throw new CancelledFailure(cancelReason);
          }
          killGroup(pid, 'SIGTERM');
          for (let i = 0; i < 100 && isRunProcess(pid, folder); i++)
            await new Promise((r) => setTimeout(r, 100));
          killGroup(pid, 'SIGKILL');
          deps.logger.info({ runId: request.runId, pid }, 'trainer killed on cancellation');
          throw new CancelledFailure('run cancelled; its process group was killed');
        }
        await Promise.race([
          new Promise((r) => setTimeout(r, pollMs)),
          context.cancelled.catch(() => undefined),
        ]);
      }
    },
  };
}
