import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { loadConfig } from '../../runtime/config.js';
import { WORKFLOWS_PATH } from '../../workers/orchestrator-worker.js';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The orchestrator's workflow bundle, built once per test process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/** A unique task queue, so concurrent or leftover workers never take this test's tasks. */
export const uniqueQueue = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export interface TemporalHandles {
  readonly client: Client;
  readonly workerConnection: NativeConnection;
  readonly namespace: string;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/**
 * Connects a client and a worker connection to the stack's Temporal dev server. `clientAddress`
 * sends the client (not the worker) another way, e.g. through a proxy a test can cut.
 */
export async function connectTemporal(options: { clientAddress?: string } = {}): Promise<TemporalHandles> {
  if (!runtimeInstalled) {
    // The SDK logs every worker state change at INFO; tests want warnings only.
    Runtime.install({ logger: new DefaultLogger((process.env.AAR_TEST_TEMPORAL_LOG as 'WARN') ?? 'WARN') });
    runtimeInstalled = true;
  }
  const config = loadConfig();
  const connection = await Connection.connect({ address: options.clientAddress ?? config.TEMPORAL_ADDRESS });
  const workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  return {
    client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
    workerConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    async close() {
      await connection.close();
      await workerConnection.close();
    },
  };
}
