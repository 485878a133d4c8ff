import type { AgentSettings } from '../../../core/campaign-spec.js';

export const DEFAULT_MODEL = 'claude-sonnet-4-6';
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * Models that take a fixed thinking budget (`thinking: {type: 'enabled', budget_tokens}`). Newer
 * models reject it and think adaptively instead; for them a configured budget turns adaptive
 * thinking on.
 */
const BUDGETED_THINKING = [
  'claude-sonnet-4-6',
  'claude-opus-4-6',
  'claude-sonnet-4-5',
  'claude-opus-4-5',
  'claude-haiku-4-5',
  'claude-opus-4-1',
  'claude-opus-4',
  'claude-sonnet-4',
  'claude-3-7-sonnet',
];

/** The model itself or a dated snapshot of it (`claude-sonnet-4-5-20250929`). */
export const isModelOrSnapshot = (model: string, id: string) =>
  model === id || new RegExp(`^${id}-\\d{8}$`).test(model);

const takesBudget = (model: string) => BUDGETED_THINKING.some((id) => isModelOrSnapshot(model, id));

/** The request parameters one agent's settings give: model, max tokens, thinking and temperature. */
export interface RequestSettings {
  readonly model: string;
  readonly max_tokens: number;
  readonly thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'adaptive' };
  readonly temperature?: number;
}

/**
 * Resolves an agent's settings over the worker's default model. With thinking on, the temperature
 * is left out (the API accepts none with thinking) and `max_tokens` leaves room for an answer
 * beyond the thinking budget.
 */
export function requestSettings(settings: AgentSettings, defaultModel: string): RequestSettings {
  const model = settings.model ?? defaultModel;
  const maxTokens = settings.maxTokens ?? DEFAULT_MAX_TOKENS;
  if (settings.thinkingBudget === undefined) {
    return {
      model,
      max_tokens: maxTokens,
      ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
    };
  }
  if (!takesBudget(model)) return { model, max_tokens: maxTokens, thinking: { type: 'adaptive' } };
  return {
    model,
    max_tokens: Math.max(maxTokens, settings.thinkingBudget + 2048),
    thinking: { type: 'enabled', budget_tokens: settings.thinkingBudget },
  };
}
