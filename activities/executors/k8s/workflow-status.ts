import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { IsWorkflowOpen } from './orphan-reaper.js';

/**
 * Asks Temporal whether a workflow is open, for the orphan reaper: RUNNING is open; any other
 * status, or a workflow Temporal no longer knows, is closed. Other errors propagate (the reaper
 * then keeps the Job).
 */
export async function connectWorkflowStatus(
  address: string,
  namespace: string,
): Promise<{ readonly isWorkflowOpen: IsWorkflowOpen; close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  return {
    async isWorkflowOpen(workflowId) {
      try {
        const description = await client.workflow.getHandle(workflowId).describe();
        return description.status.name === 'RUNNING';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },
    close: () => connection.close(),
  };
}
