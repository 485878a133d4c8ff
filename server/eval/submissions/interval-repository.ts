import { Type } from 'typebox';
import { SplitScore } from '../../../core/api/eval/submissions.js';
import { checkRow, type Queryable } from '../shared/db.js';
import { decodeClasses } from './classes-codec.js';
import type { ExactSplitScore, SeedClasses, SplitIntervals } from './score.js';

/**
 * Bootstrap intervals stored after the receipt (`server/eval/scoring/deferred-intervals.ts`). A
 * submission is inserted with its exact scores and `intervals_pending`; one later update adds
 * both halves' intervals, clears the flag, and widens the interval of the Ladder state the
 * submission raised, if it still holds it. The update only applies to a pending row, so however
 * many processes compute a submission's intervals, they are stored once.
 */

const ExactScore = Type.Omit(SplitScore, ['accuracyInterval', 'pgrInterval']);
const StoredIntervals = Type.Pick(SplitScore, ['accuracyInterval', 'pgrInterval']);

/** A submission's intervals as stored, and the Ladder step its receipt was given. */
export interface StoredIntervals {
  readonly public: SplitIntervals;
  readonly private: SplitIntervals;
  readonly step: number;
}

/** What recomputing a submission's intervals needs, as stored; or its stored intervals. */
export type IntervalSource =
  | {
      readonly pending: true;
      readonly submissionId: string;
      readonly taskId: string;
      readonly payloadSha256: string;
      readonly seedNumbers: number[];
      readonly step: number;
      readonly exact: { public: ExactSplitScore; private: ExactSplitScore };
    }
  | { readonly pending: false; readonly intervals: StoredIntervals };

/** A submission's stored intervals, or what computing them needs; null when there is none. */
export async function readIntervalSource(
  db: Queryable,
  submissionId: string,
): Promise<IntervalSource | null> {
  const result = await db.query(
    `SELECT task_id, payload_sha256, seed_numbers, intervals_pending, public_score, private_score,
            (receipt->>'step')::float8 AS step
     FROM submissions WHERE id = $1`,
    [submissionId],
  );
  const row = result.rows[0];
  if (row === undefined) return null;
  if (!row.intervals_pending) {
    return {
      pending: false,
      intervals: {
        public: checkRow(StoredIntervals, pickIntervals(row.public_score), 'stored intervals'),
        private: checkRow(StoredIntervals, pickIntervals(row.private_score), 'stored intervals'),
        step: row.step,
      },
    };
  }
  return {
    pending: true,
    submissionId,
    taskId: row.task_id,
    payloadSha256: row.payload_sha256,
    seedNumbers: row.seed_numbers,
    step: row.step,
    exact: {
      public: checkRow(ExactScore, row.public_score, 'pending public score'),
      private: checkRow(ExactScore, row.private_score, 'pending private score'),
    },
  };
}

function pickIntervals(score: { accuracyInterval?: unknown; pgrInterval?: unknown }) {
  return { accuracyInterval: score.accuracyInterval, pgrInterval: score.pgrInterval };
}

/** A submission's predicted classes, in the order of its seeds in the body (`seedNumbers`). */
export async function readPredictedClasses(
  db: Queryable,
  submissionId: string,
  seedNumbers: readonly number[],
  numClasses: number,
): Promise<SeedClasses[]> {
  const result = await db.query<{ seed: number; classes: Buffer }>(
    'SELECT seed, classes FROM submission_predictions WHERE submission_id = $1',
    [submissionId],
  );
  const bySeed = new Map(result.rows.map((row) => [row.seed, row.classes]));
  return seedNumbers.map((seed) => {
    const stored = bySeed.get(seed);
    if (stored === undefined)
      throw new Error(`submission ${submissionId} has no predictions of seed ${seed}`);
    return { seed, classes: decodeClasses(stored, numClasses) };
  });
}

/**
 * Stores a pending submission's intervals, and the Ladder interval of the state it raised, in one
 * statement (so both or neither). False when they were already stored (by another process, or an
 * earlier try): the Ladder state is then left as that store left it.
 */
export async function storeIntervals(
  db: Queryable,
  submissionId: string,
  intervals: { public: SplitIntervals; private: SplitIntervals },
  ladderInterval: { low: number; high: number },
): Promise<boolean> {
  const result = await db.query<{ stored: number }>(
    `WITH stored AS (
       UPDATE submissions SET public_score = public_score || $2::jsonb, private_score = private_score || $3::jsonb,
         intervals_pending = false
       WHERE id = $1 AND intervals_pending RETURNING id),
     ladder AS (
       UPDATE ladder_states SET interval_low = $4, interval_high = $5
       WHERE submission_id IN (SELECT id FROM stored) AND interval_low IS NULL)
     SELECT count(*)::int AS stored FROM stored`,
    [submissionId, intervals.public, intervals.private, ladderInterval.low, ladderInterval.high],
  );
  return result.rows[0]?.stored === 1;
}

/** Ids of submissions whose intervals are not stored yet, oldest first. */
export async function pendingSubmissionIds(db: Queryable, limit: number): Promise<string[]> {
  const result = await db.query<{ id: string }>(
    'SELECT id FROM submissions WHERE intervals_pending ORDER BY created_at, id LIMIT $1',
    [limit],
  );
  return result.rows.map((row) => row.id);
}

/** Gives a submission's intervals, computing them first if they are still pending. */
export interface IntervalReader {
  ensure(submissionId: string): Promise<StoredIntervals | null>;
}

/** A reader for callers without scoring workers (scripts, tests): pending intervals are an error. */
export const STORED_INTERVALS_ONLY: IntervalReader = {
  ensure: async (submissionId) => {
    throw new Error(`the intervals of submission ${submissionId} are still pending`);
  },
};

/**
 * A submission row's `public_score` and `private_score` with their intervals: as stored, or, for
 * a row read while its intervals were pending, completed with them (computed now if need be).
 */
export async function withIntervals<Row extends Record<string, unknown>>(
  row: Row,
  reader: IntervalReader,
): Promise<Row> {
  if (row.intervals_pending !== true) return row;
  const intervals = await reader.ensure(String(row.id));
  if (intervals === null) throw new Error(`submission ${String(row.id)} vanished while read`);
  return {
    ...row,
    public_score: { ...(row.public_score as object), ...intervals.public },
    private_score: { ...(row.private_score as object), ...intervals.private },
    intervals_pending: false,
  };
}
