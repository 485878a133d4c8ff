import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { createPolicies } from '../../activities/agent/policies.js';
import type { ResearcherPolicy } from '../../activities/agent/policy.js';
import { createHttpEvalClient } from '../../activities/eval/http-eval-client.js';
import { createBundleCache } from '../../activities/executors/bundle-cache.js';
import type { Executor } from '../../activities/executors/executor.js';
import { createLocalExecutor } from '../../activities/executors/local/local-executor.js';
import { RunFolder } from '../../activities/executors/local/run-folder.js';
import { createRunStartedReporter } from '../../activities/executors/run-events.js';
import { createDispatchMetrics, createOrchestratorMetrics } from '../../activities/metrics.js';
import type { ExecutorName, PolicyName } from '../../core/campaign-spec.js';
import { loadConfig, REPO_ROOT } from '../../runtime/config.js';
import { buildApiApp } from '../../server/api/app.js';
import { buildEvalApp } from '../../server/eval/app.js';
import { loadTaskFromDir } from '../../server/eval/load-task.js';
import type { EvalSettings } from '../../server/eval/settings.js';
import type { App } from '../../server/http/base-app.js';
import { createDispatchWorker } from '../../workers/dispatch-worker.js';
import { createOrchestratorWorker } from '../../workers/orchestrator-worker.js';
import { queueNames } from '../../workflows/definitions.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { testEvalSettings } from './eval-settings.js';
import { preparedTask } from './prepared-task.js';
import { testLogger } from './silent-logger.js';
import { connectTemporal, type TemporalHandles, workflowBundle } from './temporal.js';

export interface Stack {
  readonly record: TestDatabase;
  readonly evalDb: TestDatabase;
  readonly temporal: TemporalHandles;
  readonly evalUrl: string;
  readonly apiUrl: string;
  readonly adminToken: string;
  readonly operatorToken: string;
  readonly runTokenKey: string;
  readonly queuePrefix: string;
  readonly runsDir: string;
  readonly tasksDir: string;
  /** The environment a worker process of this stack runs with. */
  workerEnv(): NodeJS.ProcessEnv;
  /** Runs both workers inside the test process until `stop`. */
  /** Runs both workers inside the test process until `stop`; `executors` adds or replaces executors. */
  startWorkers(options?: {
    executors?: Partial<Record<ExecutorName, Executor>>;
    /** Extra or replacement researcher policies (a scripted agent in a test). */
    policies?: Partial<Record<PolicyName, ResearcherPolicy>>;
    /**
     * Run activities the dispatch worker takes at once (default 2, the executor's slots). A test
     * whose executor holds runs inside the activity needs more, or held runs starve the others.
     */
    dispatchSlots?: number;
  }): Promise<{ stop(): Promise<void> }>;
  /** The stack's real local executor (the trainer as a subprocess), to wrap in a test executor. */
  localExecutor(): Executor;
  /** The in-process workers' metrics (orchestrator and dispatch share one registry here). */
  workerMetrics(): Promise<string>;
  /** Calls the api server with the operator token; returns status and parsed JSON. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * A whole isolated AAR stack for one test file on the real services the scripts start: its own
 * record and eval databases, the eval and api servers listening on free loopback ports, a queue
 * prefix of its own on the shared Temporal server, and the bundled task prepared by the real
 * trainer and loaded into the eval server. Workers run in-process or as real processes. The
 * services connect as the runtime roles (`runtimePool`, `runtimeUrl`), as deployed; `pool` is
 * the owner's, for the test's own setup and checks.
 */
export interface StackOptions {
  readonly evalSettings?: Partial<EvalSettings>;
  /** Tasks prepared by the real trainer and loaded into the eval server (default: mnist1d, small). */
  readonly tasks?: readonly { task: string; size: 'small' | 'default' }[];
  /** Configures the claude policy on the in-process orchestrator (a fake Messages API in tests). */
  readonly claude?: { readonly apiKey: string; readonly baseUrl?: string };
  /**
   * Where the stack's Temporal client (the api server's, and the in-process activities') reaches
   * the server; the workers' own connection always goes straight there. Default: the same.
   */
  readonly temporalClientAddress?: string;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const config = loadConfig();
  const record = await createTestDatabase({ migrate: 'record' });
  const evalDb = await createTestDatabase({ migrate: 'eval' });
  const temporal = await connectTemporal(
    options.temporalClientAddress === undefined ? {} : { clientAddress: options.temporalClientAddress },
  );
  const adminToken = randomBytes(24).toString('hex');
  const operatorToken = randomBytes(24).toString('hex');
  const runTokenKey = randomBytes(24).toString('hex');
  const queuePrefix = `t${randomBytes(4).toString('hex')}-`;
  const scratch = mkdtempSync(join(tmpdir(), 'aar-stack-'));
  const runsDir = join(scratch, 'runs');
  const tasksDir = join(scratch, 'tasks');

  const evalApp: App = buildEvalApp({
    pool: evalDb.runtimePool,
    logger: testLogger,
    registry: new Registry(),
    settings: testEvalSettings(adminToken, options.evalSettings),
  });
  const evalUrl = await evalApp.listen({ host: '127.0.0.1', port: 0 });
  for (const { task, size } of options.tasks ?? [{ task: 'mnist1d', size: 'small' }]) {
    const loaded = await loadTaskFromDir({
      dir: preparedTask(task, size),
      taskId: task,
      evalUrl,
      adminToken,
    });
    if (loaded.httpStatus >= 300)
      throw new Error(`loading task ${task} failed: ${JSON.stringify(loaded.body)}`);
  }

  const apiApp: App = buildApiApp({
    pool: record.runtimePool,
    logger: testLogger,
    registry: new Registry(),
    temporal: temporal.client,
    orchestratorQueue: queueNames(queuePrefix).orchestrator,
    namespace: temporal.namespace,
    temporalUiUrl: config.TEMPORAL_UI_URL,
    operatorToken,
    runTokenKey,
    runsDir,
  });
  const apiUrl = await apiApp.listen({ host: '127.0.0.1', port: 0 });

  const workerRegistry = new Registry();
  const dispatchMetrics = createDispatchMetrics(workerRegistry);
  // Created once: startWorkers may run again after stop (a worker restart) on the same registry.
  const orchestratorMetrics = createOrchestratorMetrics(workerRegistry);
  const stack: Stack = {
    workerMetrics: () => workerRegistry.metrics(),
    localExecutor: () =>
      createLocalExecutor({
        runsDir,
        python: config.AAR_PYTHON,
        trainerRoot: REPO_ROOT,
        apiUrl,
        runTokenKey,
        bundlePath: createBundleCache(tasksDir, createHttpEvalClient(evalUrl, adminToken)),
        logger: testLogger,
        metrics: dispatchMetrics,
        reportStarted: createRunStartedReporter(apiUrl, runTokenKey, testLogger),
        pollMs: 250,
      }),
    record,
    evalDb,
    temporal,
    evalUrl,
    apiUrl,
    adminToken,
    operatorToken,
    runTokenKey,
    queuePrefix,
    runsDir,
    tasksDir,
    workerEnv: () => ({
      ...process.env,
      DATABASE_URL: record.runtimeUrl,
      AAR_EVAL_URL: evalUrl,
      AAR_API_URL: apiUrl,
      AAR_EVAL_ADMIN_TOKEN: adminToken,
      AAR_RUN_TOKEN_KEY: runTokenKey,
      AAR_QUEUE_PREFIX: queuePrefix,
      AAR_RUNS_DIR: runsDir,
      AAR_TASKS_DIR: tasksDir,
      AAR_WORKER_METRICS_PORT: '0',
      AAR_DISPATCH_METRICS_PORT: '0',
      AAR_EXECUTOR_SLOTS: '2',
      AAR_LOG_LEVEL: process.env.AAR_TEST_LOG ?? 'warn',
    }),
    async startWorkers(workerOptions = {}) {
      const queues = queueNames(queuePrefix);
      const evalClient = createHttpEvalClient(evalUrl, adminToken);
      const orchestrator: Worker = await createOrchestratorWorker({
        connection: temporal.workerConnection,
        namespace: temporal.namespace,
        taskQueue: queues.orchestrator,
        pool: record.runtimePool,
        logger: testLogger,
        temporal: temporal.client,
        eval: evalClient,
        metrics: orchestratorMetrics,
        policies: {
          ...createPolicies({
            pool: record.runtimePool,
            logger: testLogger,
            registry: new Registry(),
            ...(options.claude ? { claude: options.claude } : {}),
          }),
          ...workerOptions.policies,
        },
        workflowBundle: await workflowBundle(),
      });
      const dispatch: Worker = await createDispatchWorker({
        connection: temporal.workerConnection,
        namespace: temporal.namespace,
        taskQueue: queues.dispatch,
        slots: workerOptions.dispatchSlots ?? 2,
        executors: {
          local: stack.localExecutor(),
          ...workerOptions.executors,
        },
      });
      const running = Promise.all([orchestrator.run(), dispatch.run()]);
      return {
        async stop() {
          orchestrator.shutdown();
          dispatch.shutdown();
          await running;
        },
      };
    },
    async api(method, path, body) {
      const response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${operatorToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : JSON.parse(text) };
    },
    async close() {
      // Workflows a failed test left running would stay open forever on the shared server.
      const open = temporal.client.workflow.list({
        query: `ExecutionStatus = "Running" AND TaskQueue = "${queueNames(queuePrefix).orchestrator}"`,
      });
      for await (const workflow of open) {
        await temporal.client.workflow
          .getHandle(workflow.workflowId)
          .terminate('test stack closed')
          .catch(() => undefined);
      }
      await apiApp.close();
      await evalApp.close();
      await temporal.close();
      await record.drop();
      await evalDb.drop();
      // A run the test left going (its worker stopped gracefully, which does not kill it) ends here.
      killLeftoverRuns(runsDir);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Kills the process group of every local run in `runsDir` that has not ended. */
function killLeftoverRuns(runsDir: string): void {
  if (!existsSync(runsDir)) return;
  for (const name of readdirSync(runsDir)) {
    const folder = new RunFolder(join(runsDir, name));
    const pid = folder.launchRecord()?.pid;
    if (!pid || folder.exitRecord() !== null) continue;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
