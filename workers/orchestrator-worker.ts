import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { ResearcherPolicy } from '../activities/agent/policy.js';
import type { EvalClient } from '../activities/eval/eval-client.js';
import { createActivities } from '../activities/index.js';
import type { OrchestratorMetrics } from '../activities/metrics.js';
import type { PolicyName } from '../core/campaign-spec.js';
import type { Pool } from '../runtime/db.js';
import type { Logger } from '../runtime/logger.js';
import { ORCHESTRATOR_QUEUE } from '../workflows/definitions.js';

/** The workflows module the orchestrator bundles. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export interface OrchestratorWorkerDeps {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly pool: Pool;
  readonly logger: Logger;
  readonly temporal: Client;
  readonly eval: EvalClient;
  readonly metrics: OrchestratorMetrics;
  readonly policies: Partial<Record<PolicyName, ResearcherPolicy>>;
  /** `<prefix>orchestrator`; production uses {@link ORCHESTRATOR_QUEUE}. */
  readonly taskQueue?: string;
  /** A prebuilt bundle (tests build one and reuse it); otherwise the worker bundles at start. */
  readonly workflowBundle?: WorkerOptions['workflowBundle'];
}

/** Creates the worker that runs every workflow and the orchestrator's light activities. */
export async function createOrchestratorWorker(deps: OrchestratorWorkerDeps): Promise<Worker> {
  return await Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue ?? ORCHESTRATOR_QUEUE,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(deps),
    // Researcher watchers wait for hours; they are cheap but each holds a slot.
    maxConcurrentActivityTaskExecutions: 500,
  });
}
