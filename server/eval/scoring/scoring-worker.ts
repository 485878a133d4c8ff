/**
 * Entry point of a scoring worker thread (`WorkerPool`): runs the scoring tasks, at a lower
 * priority when the pool says so (`workerData.niceness`).
 */
import { workerData } from 'node:worker_threads';
import { SCORING_TASKS } from './scoring-tasks.js';
import { lowerThreadPriority, serveTasks } from './worker-protocol.js';

const niceness = (workerData as { niceness?: number } | null)?.niceness;
if (niceness !== undefined) lowerThreadPriority(niceness);
serveTasks(SCORING_TASKS);
