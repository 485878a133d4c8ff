// The Temporal floor for the orchestration benchmark: the same number of sequential activities as
// one researcher iteration, doing nothing.
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1 minute' });

export async function bareIterationsWorkflow(
  iterations: number,
  activitiesPerIteration: number,
): Promise<void> {
  for (let i = 0; i < iterations; i++) {
    for (let a = 0; a < activitiesPerIteration; a++) await noop();
  }
}
