/**
 * The Messages API wire format as the fake server speaks it: response bodies, usage with the cache
 * fields, error bodies. Written from the public API reference, for tests only.
 */
import { randomBytes } from 'node:crypto';

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'pause_turn' | 'refusal';

export type ResponseBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown };

/** Usage counts a scripted reply bills; the cache fields default to 0. */
export interface ScriptedUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_read_input_tokens?: number;
  readonly cache_creation_input_tokens?: number;
}

/** What a script answers one request with. */
export type FakeReply =
  | {
      readonly kind: 'message';
      readonly content: readonly ResponseBlock[];
      readonly stop_reason: StopReason;
      readonly usage: ScriptedUsage;
      /** Holds the connection this long before answering (a slow or hung server). */
      readonly delayMs?: number;
    }
  | {
      readonly kind: 'error';
      readonly status: number;
      readonly type: string;
      readonly message: string;
      readonly headers?: Record<string, string>;
    };

export const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;

export const text = (t: string): ResponseBlock => ({ type: 'text', text: t });
export const toolUse = (name: string, input: unknown): ResponseBlock => ({
  type: 'tool_use',
  id: newId('toolu'),
  name,
  input,
});

export function reply(
  content: readonly ResponseBlock[],
  usage: ScriptedUsage,
  stop_reason: StopReason = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn',
): FakeReply {
  return { kind: 'message', content, stop_reason, usage };
}

export const rateLimited = (retryAfterSeconds: number): FakeReply => ({
  kind: 'error',
  status: 429,
  type: 'rate_limit_error',
  message: 'Number of request tokens has exceeded your per-minute rate limit',
  headers: { 'retry-after': String(retryAfterSeconds) },
});
export const overloaded = (): FakeReply => ({
  kind: 'error',
  status: 529,
  type: 'overloaded_error',
  message: 'Overloaded',
});
export const serverError = (): FakeReply => ({
  kind: 'error',
  status: 500,
  type: 'api_error',
  message: 'Internal server error',
});

/** The full usage object of a response, cache fields included. */
export function usageBody(u: ScriptedUsage) {
  const cacheWrite = u.cache_creation_input_tokens ?? 0;
  return {
    input_tokens: u.input_tokens,
    output_tokens: u.output_tokens,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: u.cache_read_input_tokens ?? 0,
    cache_creation: { ephemeral_5m_input_tokens: cacheWrite, ephemeral_1h_input_tokens: 0 },
    server_tool_use: null,
    service_tier: 'standard',
    inference_geo: null,
    output_tokens_details: null,
    speed: null,
  };
}

/** The body of a `message` response. */
export function messageBody(model: string, r: Extract<FakeReply, { kind: 'message' }>) {
  return {
    id: newId('msg'),
    type: 'message',
    role: 'assistant',
    model,
    content: r.content.map((b) => (b.type === 'text' ? { ...b, citations: null } : b)),
    stop_reason: r.stop_reason,
    stop_sequence: null,
    stop_details: null,
    diagnostics: null,
    container: null,
    usage: usageBody(r.usage),
  };
}

/** The body of an error response: `{"type":"error","error":{"type":...,"message":...},"request_id":...}`. */
export const errorBody = (type: string, message: string, requestId: string) => ({
  type: 'error',
  error: { type, message },
  request_id: requestId,
});
