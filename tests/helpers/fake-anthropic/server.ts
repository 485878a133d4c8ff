/**
 * A local HTTP server that speaks the Anthropic Messages API (`POST /v1/messages`, non-streaming)
 * for tests: the real SDK talks to it through its base URL. It checks requests the way the API
 * does (key, version header, roles, every tool_use answered by a tool_result, cache breakpoints,
 * thinking rules) and answers each with what a script returns: a message with usage, or an error
 * with the API's error body and headers such as `retry-after`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorBody, type FakeReply, messageBody, newId, type usageBody } from './wire.js';

export type MessagesRequest = any;

/** Decides the reply to one request; `index` counts every request the server received, from 0. */
export type Script = (request: MessagesRequest, index: number) => FakeReply | Promise<FakeReply>;

/** One request as the server saw it, with the reply it gave (for assertions). */
export interface Exchange {
  readonly index: number;
  readonly at: number;
  body: MessagesRequest;
  /** 0 while the reply is pending; 499 when the client gave up before it. */
  status: number;
  messageId?: string;
  usage?: ReturnType<typeof usageBody>;
  errorType?: string;
}

export interface FakeAnthropic {
  readonly url: string;
  readonly exchanges: Exchange[];
  setScript(script: Script): void;
  close(): Promise<void>;
}

export async function startFakeAnthropic(options: {
  apiKey: string;
  script?: Script;
}): Promise<FakeAnthropic> {
  let script: Script =
    options.script ?? (() => ({ kind: 'error', status: 500, type: 'api_error', message: 'no script' }));
  const exchanges: Exchange[] = [];
  let count = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, errorBody('api_error', `fake server failed: ${(error as Error).message}`, newId('req')));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const requestId = newId('req');
    // Recorded on arrival, so exchanges are in the order requests came, whenever they are answered.
    const exchange: Exchange = { index: count++, at: Date.now(), body: null, status: 0 };
    exchanges.push(exchange);
    let body: MessagesRequest = null;
    const fail = (status: number, type: string, message: string, headers: Record<string, string> = {}) => {
      Object.assign(exchange, { body, status, errorType: type });
      send(res, status, errorBody(type, message, requestId), { 'request-id': requestId, ...headers });
    };
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/messages')
      return fail(404, 'not_found_error', `no route ${req.method} ${req.url}`);
    // The SDK sends the key as `Authorization: Bearer`; older clients send `x-api-key`.
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if ((req.headers['x-api-key'] ?? bearer) !== options.apiKey)
      return fail(401, 'authentication_error', 'invalid x-api-key');
    if (typeof req.headers['anthropic-version'] !== 'string')
      return fail(400, 'invalid_request_error', 'anthropic-version: header is required');
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return fail(400, 'invalid_request_error', 'the body is not JSON');
    }
    const problem = requestProblem(body);
    if (problem !== null) return fail(400, 'invalid_request_error', problem);

    exchange.body = body;
    const answer = await script(body, exchange.index);
    if (answer.kind === 'error') return fail(answer.status, answer.type, answer.message, answer.headers);
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    if (res.destroyed || res.socket === null || res.socket.destroyed) {
      Object.assign(exchange, { status: 499, errorType: 'client_closed' });
      return;
    }
    const message = messageBody(body.model, answer);
    Object.assign(exchange, { status: 200, messageId: message.id, usage: message.usage });
    send(res, 200, message, { 'request-id': requestId });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    setScript(next) {
      script = next;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** What the real API would reject in a request, or null. */
export function requestProblem(body: MessagesRequest): string | null {
  if (typeof body !== 'object' || body === null) return 'body: expected an object';
  if (typeof body.model !== 'string' || body.model === '') return 'model: field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1)
    return 'max_tokens: expected a positive integer';
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    return 'messages: at least one message is required';
  if (body.thinking?.type === 'enabled') {
    if (!(body.thinking.budget_tokens >= 1024)) return 'thinking.budget_tokens: must be at least 1024';
    if (body.thinking.budget_tokens >= body.max_tokens)
      return 'max_tokens: must be greater than thinking.budget_tokens';
  }
  if (body.thinking && body.thinking.type !== 'disabled' && body.temperature !== undefined)
    return 'temperature: may only be set to 1 when thinking is enabled';
  let breakpoints = 0;
  const countBreakpoints = (blocks: unknown) => {
    if (!Array.isArray(blocks)) return;
    for (const b of blocks)
      if (b && typeof b === 'object' && 'cache_control' in b && b.cache_control) breakpoints++;
  };
  countBreakpoints(body.system);
  countBreakpoints(body.tools);
  for (const m of body.messages) countBreakpoints(m.content);
  if (breakpoints > 4)
    return `A maximum of 4 blocks with cache_control may be provided. Found ${breakpoints}.`;
  for (const tool of body.tools ?? []) {
    if (typeof tool.name !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(tool.name))
      return 'tools: bad tool name';
    if (tool.input_schema?.type !== 'object') return `tools.${tool.name}.input_schema: type must be object`;
  }
  if (body.messages[0].role !== 'user') return 'messages.0.role: the first message must use the user role';
  for (let i = 0; i < body.messages.length; i++) {
    const m = body.messages[i];
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: expected user or assistant`;
    if (Array.isArray(m.content) ? m.content.length === 0 : typeof m.content !== 'string' || m.content === '')
      return `messages.${i}: all messages must have non-empty content`;
    const previous = body.messages[i - 1];
    if (previous && previous.role === m.role && m.role === 'user')
      return `messages.${i}: roles must alternate between user and assistant`;
    if (m.role !== 'assistant' || !Array.isArray(m.content)) continue;
    const ids = m.content
      .filter((b: { type: string }) => b.type === 'tool_use')
      .map((b: { id: string }) => b.id);
    if (ids.length === 0) continue;
    const next = body.messages[i + 1];
    if (next === undefined)
      return `messages.${i}: tool_use blocks must be answered before the conversation continues`;
    const blocks: { type: string; tool_use_id?: string }[] = Array.isArray(next.content) ? next.content : [];
    const answered = blocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
    const firstOther = blocks.findIndex((b) => b.type !== 'tool_result');
    if (firstOther !== -1 && firstOther < answered.length)
      return `messages.${i + 1}: tool_result blocks must come first in the user message`;
    for (const id of ids) {
      if (!answered.includes(id))
        return `messages.${i + 1}: tool_use ids were found without tool_result blocks immediately after: ${id}`;
    }
  }
  return null;
}
