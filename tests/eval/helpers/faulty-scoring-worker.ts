/**
 * A scoring worker with a fault, for the pool's failure tests: the real scoring tasks, except
 * that `workerData.fault` makes a task kill its thread (`crash`: every worker; `crash-once`: the
 * first worker started) or never finish (`hang-once`: the first worker started). Starts are
 * counted across threads in `workerData.starts` (shared memory). `ready` always answers, and
 * `fail` always throws, as a bug in a scoring function would.
 */
import { workerData } from 'node:worker_threads';
import { SCORING_TASKS } from '../../../server/eval/scoring/scoring-tasks.js';
import { serveTasks } from '../../../server/eval/scoring/worker-protocol.js';

/** What the faulty worker is told. */
export interface FaultyWorkerData {
  readonly fault: 'none' | 'crash' | 'crash-once' | 'hang-once';
  /** One Int32 in shared memory: how many workers started. */
  readonly starts: Int32Array;
}

const { fault, starts } = workerData as FaultyWorkerData;
const first = Atomics.add(starts, 0, 1) === 0;

function faulty<I, O>(task: (input: I) => O): (input: I) => O {
  return (input) => {
    if (fault === 'crash' || (fault === 'crash-once' && first)) process.exit(70);
    if (fault === 'hang-once' && first) for (;;);
    return task(input);
  };
}

serveTasks({
  ready: SCORING_TASKS.ready,
  parse: faulty(SCORING_TASKS.parse),
  score: faulty(SCORING_TASKS.score),
  intervals: faulty(SCORING_TASKS.intervals),
  fail: () => {
    throw new Error('a bug in a scoring function');
  },
});
