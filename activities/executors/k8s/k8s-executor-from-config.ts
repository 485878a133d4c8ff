import { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../../../runtime/config.js';
import type { Logger } from '../../../runtime/logger.js';
import type { DispatchMetrics } from '../../metrics.js';
import { createBundleTokenMinter } from './eval-run-token.js';
import { jobSettingsFromConfig } from './job-settings.js';
import { createK8sExecutor, type K8sExecutor } from './k8s-executor.js';
import { createK8sGateway } from './k8s-gateway.js';
import { connectWorkflowStatus } from './workflow-status.js';

/** Credentials from `AAR_K8S_KUBECONFIG`: `in-cluster` (the pod's service account) or a file. */
export function loadKubeConfig(setting: string): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (setting === 'in-cluster') kubeConfig.loadFromCluster();
  else kubeConfig.loadFromFile(setting);
  return kubeConfig;
}

/**
 * The k8s executor of a dispatch worker, from its configuration (`AAR_K8S_*`, the api and eval
 * URLs, the eval admin token that mints per-run bundle tokens, the run-token key), with an orphan
 * reaper that asks the Temporal server whether the workflows of unfinished Jobs are still open.
 */
export async function createK8sExecutorFromConfig(
  config: Config,
  deps: {
    readonly logger: Logger;
    readonly metrics: DispatchMetrics;
    readonly reportStarted: (runId: string, externalId: string) => Promise<void>;
  },
): Promise<K8sExecutor> {
  const settings = jobSettingsFromConfig(config);
  const temporal = await connectWorkflowStatus(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
  const executor = createK8sExecutor({
    gateway: createK8sGateway(loadKubeConfig(config.AAR_K8S_KUBECONFIG), settings.namespace),
    settings,
    runTokenKey: config.AAR_RUN_TOKEN_KEY!,
    mintBundleToken: createBundleTokenMinter(config.AAR_EVAL_URL, config.AAR_EVAL_ADMIN_TOKEN!),
    pendingLimitMs: config.AAR_K8S_PENDING_LIMIT_SECONDS * 1000,
    isWorkflowOpen: temporal.isWorkflowOpen,
    ...deps,
  });
  return {
    execute: executor.execute,
    async close() {
      await executor.close();
      await temporal.close();
    },
  };
}
