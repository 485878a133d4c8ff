import { isDeepStrictEqual } from 'node:util';
import { outwardToStep } from '../../../core/ladder.js';
import type { Pool } from '../../../runtime/db.js';
import type { Logger } from '../../../runtime/logger.js';
import type { EvalMetrics } from '../metrics.js';
import {
  type IntervalSource,
  pendingSubmissionIds,
  readIntervalSource,
  readPredictedClasses,
  type StoredIntervals,
  storeIntervals,
} from '../submissions/interval-repository.js';
import type { ExactSplitScore, Half, SeedClasses, SplitIntervals } from '../submissions/score.js';
import type { ScoringKeyCache } from '../tasks/scoring-key-cache.js';
import type { ScoringKey } from '../tasks/task-repository.js';
import type { Scoring } from './scoring.js';

/** A recorded submission whose intervals are still to compute, with what computing them needs. */
export interface IntervalJob {
  readonly submissionId: string;
  /** The labels and split it was scored against (a task with submissions is never replaced). */
  readonly labels: Pick<ScoringKey, 'labels' | 'publicIndices' | 'privateIndices'>;
  readonly payloadSha256: string;
  /** The Ladder step of its receipt: the Ladder interval is widened to it. */
  readonly step: number;
  readonly exact: { public: ExactSplitScore; private: ExactSplitScore };
  readonly classesBySeed: readonly SeedClasses[];
}

/** Jobs whose classes stay in memory; later ones are queued by id and read back when they run. */
const JOBS_HELD_IN_MEMORY = 256;
/** Pending submissions one sweep schedules. */
const SWEEP_LIMIT = 100_000;
const HALVES: readonly Half[] = ['public', 'private'];

/** What the deferred intervals need. */
export interface DeferredIntervalsDeps {
  readonly pool: Pool;
  readonly scoring: Scoring;
  readonly scoringKeys: ScoringKeyCache;
  readonly logger: Logger;
  readonly metrics: Pick<EvalMetrics, 'intervalSeconds' | 'intervalsPending'>;
}

/**
 * The bootstrap intervals of recorded submissions, computed after their receipts were sent. A
 * submission is stored with `intervals_pending`; `schedule` queues it for the low-priority
 * scoring thread, and `ensure` (a reader that needs the intervals now) computes it at once on
 * the request threads, or waits for the computation already running. Crash-safe: what is pending
 * stays pending in the database until stored, and `sweep` (at start-up) queues it again.
 * Deterministic: the bootstrap is seeded by the payload hash and reads the stored classes, so a
 * second computation gives the same numbers, and the store applies only to a pending row.
 */
export class DeferredIntervals {
  readonly #deps: DeferredIntervalsDeps;
  readonly #queue: (IntervalJob | string)[] = [];
  readonly #inFlight = new Map<string, Promise<StoredIntervals | null>>();
  #running = 0;
  #closed = false;
  #sweeping: Promise<unknown> = Promise.resolve();

  constructor(deps: DeferredIntervalsDeps) {
    this.#deps = deps;
  }

  /** Queues a just-recorded submission's intervals. */
  schedule(job: IntervalJob): void {
    if (this.#closed) return;
    this.#queue.push(this.#queue.length < JOBS_HELD_IN_MEMORY ? job : job.submissionId);
    this.#pump();
  }

  /**
   * A submission's intervals, stored: read if they are, computed now if not (or awaited if a
   * computation is running). Null when there is no such submission.
   */
  ensure(submissionId: string): Promise<StoredIntervals | null> {
    const running = this.#inFlight.get(submissionId);
    if (running !== undefined) return running;
    const queued = this.#queue.findIndex((entry) => idOf(entry) === submissionId);
    const entry = queued >= 0 ? this.#queue.splice(queued, 1)[0]! : submissionId;
    return this.#track(submissionId, this.#compute(entry, 'now'));
  }

  /** Starts the start-up `sweep` in the background (its failure is logged; `close` waits for it). */
  start(): void {
    this.#sweeping = this.sweep().catch((error: unknown) =>
      this.#deps.logger.error({ err: error }, 'sweeping pending intervals failed'),
    );
  }

  /** Queues every submission whose intervals are still pending (after a restart or a crash). */
  async sweep(): Promise<number> {
    const ids = await pendingSubmissionIds(this.#deps.pool, SWEEP_LIMIT);
    const known = new Set([...this.#queue.map(idOf), ...this.#inFlight.keys()]);
    const fresh = ids.filter((id) => !known.has(id));
    if (this.#closed) return 0;
    this.#queue.push(...fresh);
    this.#pump();
    return fresh.length;
  }

  /** Stops queueing and waits for the computations running; what is left stays pending. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.length = 0;
    await Promise.allSettled([this.#sweeping, ...this.#inFlight.values()]);
  }

  #pump(): void {
    this.#deps.metrics.intervalsPending.set(this.#queue.length + this.#inFlight.size);
    while (!this.#closed && this.#running === 0 && this.#queue.length > 0) {
      const entry = this.#queue.shift()!;
      const id = idOf(entry);
      if (this.#inFlight.has(id)) continue;
      this.#running++;
      this.#track(id, this.#compute(entry, 'deferred'))
        .catch((error: unknown) =>
          // Still pending in the database: the next reader or start-up computes it.
          this.#deps.logger.error({ err: error, submissionId: id }, 'deferred intervals failed'),
        )
        .finally(() => {
          this.#running--;
          this.#pump();
        });
    }
  }

  #track(id: string, work: Promise<StoredIntervals | null>): Promise<StoredIntervals | null> {
    const tracked = work.finally(() => {
      this.#inFlight.delete(id);
      this.#deps.metrics.intervalsPending.set(this.#queue.length + this.#inFlight.size);
    });
    this.#inFlight.set(id, tracked);
    return tracked;
  }

  async #compute(entry: IntervalJob | string, when: 'now' | 'deferred'): Promise<StoredIntervals | null> {
    const job = typeof entry === 'string' ? await this.#readJob(entry) : entry;
    if (job === null || 'intervals' in job) return job?.intervals ?? null;
    const { labels, publicIndices, privateIndices } = job.labels;
    const stopTimer = this.#deps.metrics.intervalSeconds.startTimer({ when });
    const [pub, priv] = (await Promise.all(
      HALVES.map((half) =>
        this.#deps.scoring.intervals(
          {
            classesBySeed: job.classesBySeed,
            labels: { labels, publicIndices, privateIndices },
            half,
            payloadSha256: job.payloadSha256,
            exact: job.exact[half],
          },
          when,
        ),
      ),
    )) as [SplitIntervals, SplitIntervals];
    stopTimer();
    const computed: StoredIntervals = { public: pub, private: priv, step: job.step };
    const ladder = ladderIntervalOf(computed);
    if (await storeIntervals(this.#deps.pool, job.submissionId, computed, ladder)) return computed;
    return this.#storedBySomeoneElse(job.submissionId, computed);
  }

  /** A queued id's job, read back from the database; its stored intervals if it has them. */
  async #readJob(submissionId: string): Promise<IntervalJob | { intervals: StoredIntervals } | null> {
    const source: IntervalSource | null = await readIntervalSource(this.#deps.pool, submissionId);
    if (source === null) return null;
    if (!source.pending) return { intervals: source.intervals };
    const key = await this.#deps.scoringKeys.get(source.taskId);
    if (key === null) throw new Error(`submission ${submissionId} names a missing task`);
    const classesBySeed = await readPredictedClasses(
      this.#deps.pool,
      submissionId,
      source.seedNumbers,
      key.numClasses,
    );
    return { ...source, labels: key, classesBySeed };
  }

  /** Intervals another computation stored first: the same numbers, or a loud error. */
  async #storedBySomeoneElse(submissionId: string, computed: StoredIntervals): Promise<StoredIntervals> {
    const source = await readIntervalSource(this.#deps.pool, submissionId);
    if (source === null || source.pending) throw new Error(`submission ${submissionId} lost its intervals`);
    const stored = source.intervals;
    if (
      !isDeepStrictEqual(
        { public: stored.public, private: stored.private },
        { public: computed.public, private: computed.private },
      )
    ) {
      this.#deps.logger.error({ submissionId }, 'recomputed intervals differ from the stored ones');
    }
    return stored;
  }
}

/** The interval published with a Ladder state: the public PGR interval widened to the step. */
export function ladderIntervalOf(intervals: StoredIntervals): { low: number; high: number } {
  return outwardToStep(intervals.public.pgrInterval.low, intervals.public.pgrInterval.high, intervals.step);
}

function idOf(entry: IntervalJob | string): string {
  return typeof entry === 'string' ? entry : entry.submissionId;
}
