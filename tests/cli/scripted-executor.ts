import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from '@temporalio/activity';
import type { Executor } from '../../activities/executors/executor.js';
import type { Stack } from '../helpers/stack.js';

/**
 * Scenario controls for an executor: runs whose id matches `fail` crash at once (exit code 5, out
 * of memory, with a stderr log like the trainer's), runs matching `hold` wait (heartbeating, as a
 * run waiting for a GPU would) until `release()`; every other run is the real local trainer.
 */
export interface RunScript {
  fail: RegExp | null;
  hold: RegExp | null;
  release(): void;
  readonly released: boolean;
}

export function runScript(options: { fail?: RegExp; hold?: RegExp } = {}): RunScript {
  let released = false;
  return {
    fail: options.fail ?? null,
    hold: options.hold ?? null,
    release() {
      released = true;
    },
    get released() {
      return released;
    },
  };
}

/** An executor that follows `script`, then hands the run to the stack's real local executor. */
export function scriptedExecutor(stack: Stack, script: RunScript): Executor {
  const real = stack.localExecutor();
  return {
    async execute(request, context: Context) {
      if (script.fail?.test(request.runId)) {
        const dir = join(stack.runsDir, request.runId);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'stdout.log'), `loading task ${request.taskId}\n`);
        writeFileSync(
          join(dir, 'stderr.log'),
          'Traceback (most recent call last):\n  File "trainer/training.py", line 88, in train\nRuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB\n',
        );
        return { exitCode: 5, lost: false, wallSeconds: 1, adopted: false };
      }
      while (script.hold?.test(request.runId) && !script.released) {
        context.heartbeat();
        await context.sleep(500);
      }
      return await real.execute(request, context);
    },
  };
}
