import { type NativeConnection, Worker } from '@temporalio/worker';
import { createDispatchActivities } from '../activities/dispatch-activities.js';
import type { Executor } from '../activities/executors/executor.js';
import type { ExecutorName } from '../core/campaign-spec.js';
import { DISPATCH_QUEUE } from '../workflows/definitions.js';

export interface DispatchWorkerDeps {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly executors: Partial<Record<ExecutorName, Executor>>;
  /** Runs this worker executes at once (the local executor's slots). */
  readonly slots: number;
  readonly taskQueue?: string;
}

/** Creates the worker of the `dispatch` queue: executor activities only, no workflows. */
export async function createDispatchWorker(deps: DispatchWorkerDeps): Promise<Worker> {
  return await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue ?? DISPATCH_QUEUE,
    activities: createDispatchActivities(deps.executors),
    maxConcurrentActivityTaskExecutions: deps.slots,
  });
}
