import { extname } from 'node:path';
import type { Logger } from '../../../runtime/logger.js';
import { AppError } from '../../http/errors.js';
import type { SplitIntervals } from '../submissions/score.js';
import type {
  IntervalInput,
  ScoreInput,
  ScoreOutput,
  ScoringTaskInput,
  ScoringTaskName,
  ScoringTaskOutput,
  SubmissionBody,
} from './scoring-tasks.js';
import { WorkerPool, WorkerPoolError } from './worker-pool.js';

/** The scoring worker's module, next to this one (`.ts` under tsx, `.js` once compiled). */
export const SCORING_WORKER = new URL(
  `./scoring-worker${extname(new URL(import.meta.url).pathname)}`,
  import.meta.url,
);

/** Longest a scoring task may run before its worker is replaced (a 1,000,000-row bootstrap fits). */
export const SCORING_TASK_TIMEOUT_MS = 120_000;

/**
 * Niceness of the thread that computes deferred intervals: the lowest priority, so it runs on the
 * CPU that requests (and the database) leave idle, and catches up when they pause.
 */
export const BACKGROUND_NICENESS = 19;

/** Seconds a client is asked to wait before retrying a submission that found no scoring worker. */
const RETRY_AFTER_S = 5;

/**
 * Scoring off the event loop. Work a request waits for (parsing and validating a submission,
 * its exact scores, an interval someone is reading) runs on a pool of worker threads sized to
 * the cores; deferred bootstrap intervals run on one more thread of lower priority, so they use
 * the CPU the requests leave. Both run the same pure functions (`scoring-tasks.ts`).
 */
export class Scoring {
  constructor(
    /** Threads for work a request waits on. */
    readonly requests: WorkerPool,
    /** The thread for deferred intervals. */
    readonly background: WorkerPool,
  ) {}

  /**
   * Pools of the scoring worker: one thread per core for requests, one for deferred intervals.
   * `entry` and `workerData` replace the worker module and add to what it is given (tests).
   */
  static create(options: {
    logger: Logger;
    size?: number;
    taskTimeoutMs?: number;
    entry?: URL;
    workerData?: Record<string, unknown>;
  }): Scoring {
    const common = {
      entry: options.entry ?? SCORING_WORKER,
      taskTimeoutMs: options.taskTimeoutMs ?? SCORING_TASK_TIMEOUT_MS,
      onWorkerError: (error: Error) => options.logger.error({ err: error }, 'scoring worker failed'),
    };
    return new Scoring(
      new WorkerPool({
        ...common,
        workerData: { ...options.workerData },
        ...(options.size === undefined ? {} : { size: options.size }),
      }),
      new WorkerPool({
        ...common,
        size: 1,
        workerData: { ...options.workerData, niceness: BACKGROUND_NICENESS },
      }),
    );
  }

  /** Reads a submission body (`parseSubmission`); 503 when no worker could. */
  parse(body: Uint8Array, maxJsonDepth: number): Promise<SubmissionBody> {
    // A small Buffer is a slice of a shared pool, which a worker would receive whole: send its bytes only.
    const bytes = body.byteLength === body.buffer.byteLength ? body : new Uint8Array(body);
    return answerable(run(this.requests, 'parse', { body: bytes, maxJsonDepth }));
  }

  /** Validates and exactly scores a submission (`scoreMatrices`); 503 when no worker could. */
  score(input: ScoreInput): Promise<ScoreOutput> {
    return answerable(run(this.requests, 'score', input));
  }

  /** One half's intervals: now (someone reads them; 503 when no worker could) or deferred. */
  intervals(input: IntervalInput, when: 'now' | 'deferred'): Promise<SplitIntervals> {
    if (when === 'deferred') return run(this.background, 'intervals', input);
    return answerable(run(this.requests, 'intervals', input));
  }

  /** Starts every worker thread now (they start on first use otherwise) and waits until all run. */
  async warm(): Promise<void> {
    await Promise.all([this.requests.warm('ready'), this.background.warm('ready')]);
  }

  async close(): Promise<void> {
    await Promise.all([this.requests.close(), this.background.close()]);
  }
}

function run<T extends ScoringTaskName>(
  pool: WorkerPool,
  task: T,
  input: ScoringTaskInput<T>,
): Promise<ScoringTaskOutput<T>> {
  return pool.run<ScoringTaskOutput<T>>(task, input);
}

/** A pool failure as the answer a client can act on: 503, retry later with the same request. */
async function answerable<T>(task: Promise<T>): Promise<T> {
  try {
    return await task;
  } catch (error) {
    if (!(error instanceof WorkerPoolError)) throw error;
    const why = error.reason === 'timeout' ? 'a scoring task ran too long' : 'a scoring worker failed';
    throw new AppError(
      'unavailable',
      `scoring is unavailable (${why}); nothing was recorded: send the same request again in ${RETRY_AFTER_S} seconds`,
      { headers: { 'retry-after': String(RETRY_AFTER_S) } },
    );
  }
}
