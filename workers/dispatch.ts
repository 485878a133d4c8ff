/**
 * Entry point of the dispatch worker (task queue `dispatch`): executor activities only. Holds the
 * credentials that launch trainer runs; runs until SIGINT/SIGTERM.
 */
import { NativeConnection } from '@temporalio/worker';
import { createHttpEvalClient } from '../activities/eval/http-eval-client.js';
import { createBundleCache } from '../activities/executors/bundle-cache.js';
import { createLocalExecutor } from '../activities/executors/local/local-executor.js';
import { createRunStartedReporter } from '../activities/executors/run-events.js';
import { createDispatchMetrics } from '../activities/metrics.js';
import { ConfigError, REPO_ROOT } from '../runtime/config.js';
import { runMain } from '../runtime/main.js';
import { createRegistry, serveMetrics } from '../runtime/metrics.js';
import { installTemporalRuntime } from '../runtime/temporal-runtime.js';
import { queueNames } from '../workflows/definitions.js';
import { createDispatchWorker } from './dispatch-worker.js';

runMain('dispatch-worker', async (config, logger) => {
  const missing = [
    config.AAR_EVAL_ADMIN_TOKEN === undefined ? 'AAR_EVAL_ADMIN_TOKEN: required to fetch task bundles' : null,
    config.AAR_RUN_TOKEN_KEY === undefined
      ? 'AAR_RUN_TOKEN_KEY: required to give each run its upload token'
      : null,
  ].filter((p): p is string => p !== null);
  if (missing.length > 0)
    throw new ConfigError(missing.map((m) => `${m} (run \`make dev-up\` to generate the dev secrets)`));
  const registry = createRegistry('dispatch-worker');
  installTemporalRuntime(
    config.AAR_HOST,
    config.AAR_DISPATCH_METRICS_PORT === 0 ? 0 : config.AAR_DISPATCH_METRICS_PORT + 1,
  );
  const metricsServer = await serveMetrics(registry, config.AAR_HOST, config.AAR_DISPATCH_METRICS_PORT);
  const evalClient = createHttpEvalClient(config.AAR_EVAL_URL, config.AAR_EVAL_ADMIN_TOKEN!);
  const local = createLocalExecutor({
    runsDir: config.AAR_RUNS_DIR,
    python: config.AAR_PYTHON,
    trainerRoot: REPO_ROOT,
    apiUrl: config.AAR_API_URL,
    runTokenKey: config.AAR_RUN_TOKEN_KEY!,
    bundlePath: createBundleCache(config.AAR_TASKS_DIR, evalClient),
    logger,
    metrics: createDispatchMetrics(registry),
    reportStarted: createRunStartedReporter(config.AAR_API_URL, config.AAR_RUN_TOKEN_KEY!, logger),
  });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const taskQueue = queueNames(config.AAR_QUEUE_PREFIX).dispatch;
  const worker = await createDispatchWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue,
    executors: { local },
    slots: config.AAR_EXECUTOR_SLOTS,
  });
  logger.info({ taskQueue, slots: config.AAR_EXECUTOR_SLOTS }, 'worker started');
  await worker.run();
  await connection.close();
  metricsServer.close();
});
