import type { Context } from '@temporalio/activity';
import type { ExecutorName } from '../../core/campaign-spec.js';
import type { ExperimentSpec } from '../../core/experiment-spec.js';
import type { FailureKind } from '../../core/result-bundle.js';

/** One trainer run to execute: the spec already carries the run's seed. */
export interface RunRequest {
  readonly runId: string;
  readonly taskId: string;
  readonly spec: ExperimentSpec;
  readonly executor: ExecutorName;
  /**
   * Wall-clock limit of the agent's code in seconds (the student process is stopped after it);
   * absent: the executor's configured default.
   */
  readonly wallLimitSeconds?: number;
}

/** How the run's process or Job ended. The result itself arrives through the api server. */
export interface RunExit {
  /** The trainer's exit code; null when it is unknown (the process vanished, the pod was deleted). */
  readonly exitCode: number | null;
  /** True when the run disappeared without an exit status: the next attempt may succeed. */
  readonly lost: boolean;
  /** Measured by the executor (process or Job/pod times), never taken from the uploaded result. */
  readonly wallSeconds: number;
  /** GPUs the run held (requested by its pod), so callers can compute GPU-seconds; absent: unknown. */
  readonly gpus?: number;
  /** Whether this call re-attached to a run an earlier attempt of the activity had launched. */
  readonly adopted: boolean;
  /**
   * What the executor saw go wrong (a pod OOMKilled, evicted, an image that cannot be pulled),
   * for the run's record when no result bundle arrived. `detail` holds the last log lines.
   */
  readonly failure?: { readonly kind: FailureKind; readonly message: string; readonly detail?: string };
}

/**
 * An executor launches a run or re-attaches to the one already launched under the same run id
 * (never a second copy), waits for it while heartbeating, and kills it when the activity is
 * cancelled. It only launches and watches: results arrive through the api server.
 */
export interface Executor {
  execute(request: RunRequest, context: Context): Promise<RunExit>;
}

/**
 * Cancellation reasons after which nobody will ever collect the run, so the executor ends it
 * (kills the process group, deletes the Job). Any other reason (`WORKER_SHUTDOWN` on a graceful
 * restart, `TIMED_OUT` when a heartbeat is missed) leaves the run going: the activity's next
 * attempt adopts it, and the run's own wall-clock limit bounds it in any case.
 */
export const FINAL_CANCELS: ReadonlySet<string> = new Set(['CANCELLED', 'NOT_FOUND']);
