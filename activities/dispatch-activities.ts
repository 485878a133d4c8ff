import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ExecutorName } from '../core/campaign-spec.js';
import type { Executor, RunExit, RunRequest } from './executors/executor.js';

/**
 * The dispatch worker's activities: executor calls that hold cluster credentials, on their own
 * task queue. Each waits, heartbeating, for its run to end.
 */
export function createDispatchActivities(executors: Partial<Record<ExecutorName, Executor>>) {
  return {
    async executeRun(request: RunRequest): Promise<RunExit> {
      const executor = executors[request.executor];
      if (executor === undefined) {
        throw ApplicationFailure.nonRetryable(
          `executor '${request.executor}' is not configured on this dispatch worker`,
          'ExecutorUnavailable',
        );
      }
      return await executor.execute(request, Context.current());
    },
  };
}
