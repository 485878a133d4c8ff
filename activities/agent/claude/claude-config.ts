import type { Config } from '../../../runtime/config.js';
import { ConfigError } from '../../../runtime/config.js';
import type { PolicyDeps } from '../policies.js';
import { loadPriceTable } from './pricing.js';

/**
 * The claude policy's part of the policy dependencies, from the worker's configuration: present
 * only when `ANTHROPIC_API_KEY` is set. The key goes from here into the SDK client and nowhere else.
 */
export function claudeDeps(config: Config): Pick<PolicyDeps, 'claude'> {
  if (config.ANTHROPIC_API_KEY === undefined) return {};
  let prices: ReturnType<typeof loadPriceTable>;
  try {
    prices = loadPriceTable(config.AAR_CLAUDE_PRICES_FILE);
  } catch (error) {
    throw new ConfigError([`AAR_CLAUDE_PRICES_FILE: ${(error as Error).message}`]);
  }
  return {
    claude: {
      apiKey: config.ANTHROPIC_API_KEY,
      baseUrl: config.ANTHROPIC_BASE_URL,
      defaultModel: config.AAR_CLAUDE_MODEL,
      prices,
    },
  };
}
