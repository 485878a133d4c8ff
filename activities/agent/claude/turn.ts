import type {
  ContentBlockParam,
  Message,
  MessageCreateParamsNonStreaming,
  MessageParam,
  TextBlockParam,
  ToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/messages/messages.js';
import type { AgentSettings } from '../../../core/campaign-spec.js';
import type { Pool } from '../../../runtime/db.js';
import type { Logger } from '../../../runtime/logger.js';
import type { ModelMetrics } from '../../metrics.js';
import { type PolicyLimits, PolicyPaused } from '../policy.js';
import type { CallScope, Ledger } from './ledger.js';
import { activityAttempt, heartbeat, ModelCallError, type ModelClient } from './model-client.js';
import { requestSettings } from './model-settings.js';
import { runTool, TOOL_PARAMS, type TurnState } from './tools.js';

/** Tool rounds (Messages API calls) one step may take before it ends with what it has. */
export const DEFAULT_MAX_ROUNDS = 10;

export interface TurnDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly model: ModelClient;
  readonly ledger: Ledger;
  readonly metrics: ModelMetrics;
  readonly defaultModel: string;
  readonly maxRounds: number;
}

/** One model call's setting: who pays, within which budgets, with which settings and stable prompt. */
export interface CallInput {
  readonly scope: CallScope;
  readonly limits: PolicyLimits;
  readonly settings: AgentSettings;
  readonly system: TextBlockParam[];
}

/**
 * One Messages API call under the ledger: the budgets are checked first (a reached one pauses the
 * agent), the usage is recorded once the response arrives. An API rejection (bad model id, bad
 * key) pauses the agent with the API's reason; a transient failure after the SDK's retries fails
 * the attempt for Temporal to retry, except on its last attempt, where it pauses instead.
 */
export async function callModel(
  deps: TurnDeps,
  input: CallInput,
  request: Pick<MessageCreateParamsNonStreaming, 'messages'> & Partial<MessageCreateParamsNonStreaming>,
): Promise<Message> {
  const settings = requestSettings(input.settings, deps.defaultModel);
  deps.ledger.priceFor(settings.model);
  await deps.ledger.assertWithinBudget(input.scope, input.limits);
  heartbeat();
  let message: Message;
  try {
    message = await deps.model.create({
      ...settings,
      system: input.system,
      tools: TOOL_PARAMS,
      metadata: { user_id: `${input.scope.campaignId}/${input.scope.agentId}` },
      ...request,
    });
  } catch (error) {
    if (!(error instanceof ModelCallError)) throw error;
    const attempt = activityAttempt();
    const lastAttempt = attempt?.maximumAttempts !== undefined && attempt.attempt >= attempt.maximumAttempts;
    deps.metrics.requests.inc({ outcome: error.transient ? 'transient_error' : 'rejected' });
    deps.logger.warn(
      {
        agentId: input.scope.agentId,
        experimentId: input.scope.experimentId,
        status: error.status,
        type: error.type,
      },
      'model call failed',
    );
    if (!error.transient)
      throw new PolicyPaused(`${error.message} — fix the cause (model id, settings or API key) and resume`);
    if (lastAttempt)
      throw new PolicyPaused(
        `${error.message}, on the step's last attempt (${attempt.attempt}) — resume to try again`,
      );
    throw error;
  }
  deps.metrics.requests.inc({ outcome: 'ok' });
  await deps.ledger.record(input.scope, message, settings.model);
  return message;
}

/** The conversation as sent: the last block of the last message carries a cache breakpoint. */
function withBreakpoint(messages: readonly MessageParam[]): MessageParam[] {
  const last = messages.at(-1);
  if (last === undefined || typeof last.content === 'string' || last.content.length === 0)
    return [...messages];
  const blocks = [...last.content];
  const tail = blocks.at(-1)!;
  if (tail.type === 'thinking' || tail.type === 'redacted_thinking') return [...messages];
  blocks[blocks.length - 1] = { ...tail, cache_control: { type: 'ephemeral' } } as ContentBlockParam;
  return [...messages.slice(0, -1), { ...last, content: blocks } as MessageParam];
}

const CUT =
  'Your reply was cut at max_tokens before this tool call was complete; nothing was done. Be shorter (a smaller hook, fewer words) and call it again.';

/** The outcome of a turn: what the tools produced, how many rounds it took, the model's last words. */
export interface TurnOutcome {
  readonly state: TurnState;
  readonly rounds: number;
  readonly lastText: string;
}

/**
 * A tool-using turn: the model and the tools take turns until the model calls finish (or, when
 * proposing, stops after an accepted proposal), or the rounds run out. Heartbeats between rounds.
 */
export async function runTurn(
  deps: TurnDeps,
  input: CallInput & { readonly taskId: string; readonly opening: string },
): Promise<TurnOutcome> {
  const state: TurnState = { posts: 0, notes: 0 };
  const ctx = { ...input.scope, pool: deps.pool, taskId: input.taskId, state };
  const messages: MessageParam[] = [{ role: 'user', content: [{ type: 'text', text: input.opening }] }];
  const done = () =>
    state.finished !== undefined || (input.scope.step === 'propose' && state.proposal !== undefined);
  let lastText = '';
  let rounds = 0;
  while (rounds < deps.maxRounds) {
    rounds += 1;
    if (rounds === deps.maxRounds) lastRoundWarning(messages, input.scope.step);
    const message = await callModel(deps, input, { messages: withBreakpoint(messages) });
    heartbeat();
    // The API refuses an empty assistant message in the history; an empty reply is kept as a word.
    const said =
      message.content.length > 0 ? message.content : [{ type: 'text' as const, text: '(no reply)' }];
    messages.push({ role: 'assistant', content: said as ContentBlockParam[] });
    const text = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
    if (text.trim() !== '') lastText = text;
    const calls = message.content.flatMap((b) => (b.type === 'tool_use' ? [b] : []));

    if (message.stop_reason === 'max_tokens') {
      const results: ContentBlockParam[] = calls.map((c) => ({
        type: 'tool_result',
        tool_use_id: c.id,
        is_error: true,
        content: CUT,
      }));
      messages.push({
        role: 'user',
        content:
          results.length > 0
            ? results
            : [{ type: 'text', text: 'Your reply was cut at max_tokens. Be brief and use the tools.' }],
      });
      continue;
    }
    if (calls.length === 0) {
      // Done, or a reply the conversation cannot go on from: the step ends with what it has.
      if (
        done() ||
        message.stop_reason === 'refusal' ||
        message.stop_reason === 'model_context_window_exceeded'
      )
        break;
      // A long turn the API paused: send it back as it is and let the model go on.
      if (message.stop_reason === 'pause_turn') continue;
      messages.push({
        role: 'user',
        content: [
          {
            type: 'text',
            text: `Act through the tools, then call finish.${nextStepHint(input.scope.step, state)}`,
          },
        ],
      });
      continue;
    }
    const results: ToolResultBlockParam[] = [];
    for (const call of calls) {
      const result = state.finished
        ? { content: 'ignored: the step was already finished' }
        : await runTool(ctx, call.name, call.input);
      results.push({
        type: 'tool_result',
        tool_use_id: call.id,
        content: result.content,
        ...('isError' in result && result.isError ? { is_error: true } : {}),
      });
    }
    if (state.finished) break;
    messages.push({ role: 'user', content: results });
  }
  return { state, rounds, lastText };
}

function nextStepHint(step: 'propose' | 'analyse', state: TurnState): string {
  if (step === 'analyse') return ' Give finish a summary of what the result means.';
  return state.proposal === undefined
    ? ' You have not proposed an experiment yet: call propose_experiment.'
    : '';
}

/** Tells the model, in the last round's request, that it must end the step now. */
function lastRoundWarning(messages: MessageParam[], step: 'propose' | 'analyse'): void {
  const last = messages.at(-1)!;
  if (last.role !== 'user') return;
  const warning: TextBlockParam = {
    type: 'text',
    text:
      step === 'propose'
        ? 'This is your last round: call propose_experiment with your best valid spec now, and finish.'
        : 'This is your last round: call finish with your summary now.',
  };
  messages[messages.length - 1] = {
    role: 'user',
    content:
      typeof last.content === 'string'
        ? [{ type: 'text', text: last.content }, warning]
        : [...last.content, warning],
  } as MessageParam;
}
