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
  const dispatchMetrics = createDispatchMetrics(registry);
  const local = createLocalExecutor({
    runsDir: config.AAR_RUNS_DIR,
    python: config.AAR_PYTHON,
    trainerRoot: REPO_ROOT,
    apiUrl: config.AAR_API_URL,
    runTokenKey: config.AAR_RUN_TOKEN_KEY!,
    bundlePath: createBundleCache(config.AAR_TASKS_DIR, evalClient),
    logger,
    metrics: dispatchMetrics,
    reportStarted: createRunStartedReporter(config.AAR_API_URL, config.AAR_RUN_TOKEN_KEY!, logger),
    limits: {
      wallSeconds: config.AAR_RUN_WALL_SECONDS,
      memoryBytes: config.AAR_RUN_MEMORY_BYTES,
      processes: config.AAR_RUN_PROCESSES,
      fileBytes: config.AAR_RUN_FILE_BYTES,
      diskBytes: config.AAR_RUN_DISK_BYTES,
    },
    ...(config.AAR_MODELS_DIR ? { modelsDir: config.AAR_MODELS_DIR } : {}),
  });
  // The k8s executor only when configured: its client library is loaded only then.
  const k8s =
    config.AAR_K8S_KUBECONFIG === ''
      ? undefined
      : await (
          await import('../activities/executors/k8s/k8s-executor-from-config.js')
        ).createK8sExecutorFromConfig(config, {
          logger,
          metrics: dispatchMetrics,
          reportStarted: createRunStartedReporter(config.AAR_API_URL, config.AAR_RUN_TOKEN_KEY!, logger),
        });
  const slots = config.AAR_EXECUTOR_SLOTS + (k8s ? config.AAR_K8S_MAX_RUNS : 0);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const taskQueue = queueNames(config.AAR_QUEUE_PREFIX).dispatch;
  const worker = await createDispatchWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue,
    executors: k8s ? { local, k8s } : { local },
    slots,
  });
  logger.info({ taskQueue, slots, k8s: k8s !== undefined }, 'worker started');
  await worker.run();
  await k8s?.close();
  await connection.close();
  metricsServer.close();
});
