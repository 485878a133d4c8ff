import type { Config } from '../../runtime/config.js';
import type { HttpOptions } from './base-app.js';

/** The base app's hardening options from configuration, the same for both servers. */
export function httpOptionsFrom(config: Config): Omit<HttpOptions, 'trustProxy'> {
  return {
    maxJsonDepth: config.AAR_JSON_MAX_DEPTH,
    authFailureLimit: { max: config.AAR_REFUSALS_PER_MINUTE, windowMs: 60_000 },
    ...(config.AAR_METRICS_TOKEN === undefined ? {} : { metricsToken: config.AAR_METRICS_TOKEN }),
  };
}
