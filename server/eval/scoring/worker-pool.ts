import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ResultMessage, TaskMessage } from './worker-protocol.js';

/** How a pool runs its workers. */
export interface WorkerPoolOptions {
  /** The worker module; a `.ts` module is started through tsx. */
  readonly entry: URL;
  /** Threads; default `os.availableParallelism()`. */
  readonly size?: number;
  /** Given to every worker (`workerData`). */
  readonly workerData?: unknown;
  /**
   * A task running longer fails (`timeout`) and its worker is terminated. Its time starts once
   * its worker has loaded.
   */
  readonly taskTimeoutMs: number;
  /** A worker that takes longer to load its modules counts as dead. Default 60 s. */
  readonly startTimeoutMs?: number;
  /** Fresh starts of a task whose worker died under it, before it fails (`crashed`). Default 1. */
  readonly retries?: number;
  /** Told of every error that ended a worker thread (to log it). */
  readonly onWorkerError?: (error: Error) => void;
}

/** Why a pool could not run a task: its worker died (again), it ran too long, or the pool closed. */
export class WorkerPoolError extends Error {
  constructor(
    readonly reason: 'crashed' | 'timeout' | 'closed',
    message: string,
  ) {
    super(message);
    this.name = 'WorkerPoolError';
  }
}

interface Job {
  readonly id: number;
  readonly task: string;
  readonly input: unknown;
  starts: number;
  timer?: NodeJS.Timeout;
  resolve(output: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker | null;
  /** Whether the worker has loaded its modules (and so runs what it is sent). */
  ready: boolean;
  job: Job | null;
}

const TSX_API = import.meta.resolve('tsx/esm/api');
const DEFAULT_START_TIMEOUT_MS = 60_000;

/**
 * A fixed set of worker threads running tasks by name, first come first served. Workers start on
 * first use and again after one dies. A task whose worker dies is started once more on a fresh
 * worker (tasks are pure, so running one twice gives the same answer), then fails; a task that
 * runs past the timeout fails and its worker is replaced. Every task therefore settles: a broken
 * worker gives an error, never a request that hangs. Inputs are copied, never transferred, so a
 * task can be started again; outputs' typed arrays are transferred back.
 */
export class WorkerPool {
  readonly size: number;
  readonly #options: WorkerPoolOptions;
  readonly #slots: Slot[];
  readonly #queue: Job[] = [];
  #nextId = 0;
  #closed = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.#slots = Array.from({ length: this.size }, () => ({ worker: null, ready: false, job: null }));
  }

  /** Runs `task` on `input` in a worker; rejects with `WorkerPoolError` when no worker could. */
  run<T>(task: string, input: unknown): Promise<T> {
    if (this.#closed) return Promise.reject(new WorkerPoolError('closed', 'the worker pool is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        id: this.#nextId++,
        task,
        input,
        starts: 0,
        resolve: resolve as (output: unknown) => void,
        reject,
      });
      this.#dispatch();
    });
  }

  /**
   * Starts every worker now rather than on first use, and resolves once each has answered `task`
   * (a task that does nothing): a worker's start (loading its modules) is then not paid by a request.
   */
  async warm(task: string): Promise<void> {
    await Promise.all(this.#slots.map(() => this.run(task, null)));
  }

  /** Fails every waiting and running task (`closed`) and stops the workers. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0))
      job.reject(new WorkerPoolError('closed', 'the worker pool closed'));
    await Promise.all(
      this.#slots.map(async (slot) => {
        const { worker, job } = slot;
        slot.worker = null;
        slot.job = null;
        if (job !== null) this.#settle(job, new WorkerPoolError('closed', 'the worker pool closed'));
        if (worker !== null) await worker.terminate();
      }),
    );
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.job !== null) continue;
      const job = this.#queue.shift()!;
      slot.worker ??= this.#spawn(slot);
      slot.job = job;
      job.starts++;
      slot.worker.ref();
      // A worker still loading queues the message; the task's time starts when it has loaded.
      if (slot.ready) this.#startClock(slot, job);
      slot.worker.postMessage({ id: job.id, task: job.task, input: job.input } satisfies TaskMessage);
    }
  }

  #startClock(slot: Slot, job: Job): void {
    clearTimeout(job.timer);
    job.timer = setTimeout(() => this.#timeout(slot, job), this.#options.taskTimeoutMs);
  }

  #spawn(slot: Slot): Worker {
    const { entry, workerData } = this.#options;
    const worker = entry.pathname.endsWith('.ts')
      ? new Worker(
          // Workers do not inherit `--import tsx`: register it, then import the entry.
          `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`,
          { eval: true, workerData },
        )
      : new Worker(entry, { workerData });
    slot.ready = false;
    worker.unref();
    const loading = setTimeout(() => {
      if (slot.worker === worker && !slot.ready) void worker.terminate();
    }, this.#options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    loading.unref();
    worker.on('message', (message: ResultMessage) => {
      if (slot.worker !== worker) return;
      if ('ready' in message) {
        clearTimeout(loading);
        slot.ready = true;
        if (slot.job !== null) this.#startClock(slot, slot.job);
        return;
      }
      const job = slot.job;
      if (job === null || job.id !== message.id) return;
      slot.job = null;
      worker.unref();
      this.#settle(job, message.ok ? { output: message.output } : new Error(message.message));
      this.#dispatch();
    });
    worker.on('messageerror', () => {
      const job = slot.job;
      if (slot.worker !== worker || job === null) return;
      slot.job = null;
      worker.unref();
      this.#settle(job, new Error(`the answer to scoring task ${job.task} could not be read`));
      this.#dispatch();
    });
    // An uncaught error ends the thread: 'exit' follows and handles the task.
    worker.on('error', (error) => this.#options.onWorkerError?.(error));
    worker.on('exit', () => {
      clearTimeout(loading);
      this.#lost(slot, worker, 'crashed');
    });
    return worker;
  }

  #timeout(slot: Slot, job: Job): void {
    if (slot.job !== job || slot.worker === null) return;
    const worker = slot.worker;
    this.#lost(slot, worker, 'timeout');
    void worker.terminate();
  }

  /** The slot's worker is gone (died, or abandoned after a timeout): retry or fail its task. */
  #lost(slot: Slot, worker: Worker, reason: 'crashed' | 'timeout'): void {
    if (slot.worker !== worker) return;
    const job = slot.job;
    slot.worker = null;
    slot.job = null;
    if (job !== null) {
      clearTimeout(job.timer);
      if (reason === 'crashed' && job.starts <= (this.#options.retries ?? 1) && !this.#closed) {
        this.#queue.unshift(job);
      } else {
        const message =
          reason === 'timeout'
            ? `scoring task ${job.task} ran past ${this.#options.taskTimeoutMs} ms`
            : `the worker running scoring task ${job.task} died ${job.starts} times`;
        this.#settle(job, new WorkerPoolError(reason, message));
      }
    }
    if (!this.#closed) this.#dispatch();
  }

  #settle(job: Job, outcome: { output: unknown } | Error): void {
    clearTimeout(job.timer);
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome.output);
  }
}
