import type { V1Job } from '@kubernetes/client-node';
import type { Logger } from '../../../runtime/logger.js';
import { ANNOTATIONS } from './job-identity.js';
import { jobOutcome } from './job-status.js';
import type { K8sGateway } from './k8s-gateway.js';

/** Whether a workflow execution (the latest run of that id) is still open. */
export type IsWorkflowOpen = (workflowId: string) => Promise<boolean>;

/**
 * Deletes the unfinished Jobs whose workflow is closed. A cancellation deletes its Job from inside
 * the activity; but when no dispatch worker was alive to receive it, the cancelled activity is
 * never retried and its Job would run on until its deadline. Each Job carries the id of the
 * workflow that launched it; a Job whose workflow is closed (cancelled, terminated, failed, or
 * gone) has no one left to collect it. Returns the names of the Jobs it deleted.
 */
export async function reapOrphans(
  jobs: readonly V1Job[],
  deps: { readonly gateway: K8sGateway; readonly isWorkflowOpen: IsWorkflowOpen; readonly logger: Logger },
): Promise<string[]> {
  const reaped: string[] = [];
  for (const job of jobs) {
    const name = job.metadata?.name;
    const workflowId = job.metadata?.annotations?.[ANNOTATIONS.workflowId];
    if (!name || !workflowId || jobOutcome(job) !== null || job.metadata?.deletionTimestamp) continue;
    let open: boolean;
    try {
      open = await deps.isWorkflowOpen(workflowId);
    } catch (error) {
      // Temporal unreachable: keep the Job (deleting live work is worse than a late cleanup).
      deps.logger.warn(
        { jobName: name, workflowId, err: String(error) },
        'could not check the workflow of a Job',
      );
      continue;
    }
    if (open) continue;
    await deps.gateway.deleteJob(name, 'Foreground');
    deps.logger.warn({ jobName: name, workflowId }, 'deleted a Job whose workflow is closed');
    reaped.push(name);
  }
  return reaped;
}
