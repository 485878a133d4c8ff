import { DefaultLogger, Runtime } from '@temporalio/worker';

/**
 * Installs the Temporal SDK runtime once per worker process: its own worker metrics on a
 * Prometheus endpoint (`port` 0: a free port) and SDK logs at WARN and above.
 */
export function installTemporalRuntime(host: string, port: number): void {
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `${host}:${port}` } } },
  });
}
