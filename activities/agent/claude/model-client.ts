import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { asyncLocalStorage } from '@temporalio/activity';

/** How the policy reaches the Messages API. The key lives only here, inside the worker process. */
export interface ModelConnection {
  readonly apiKey: string;
  readonly baseUrl?: string;
  /** Retries of one request inside the SDK (429, 5xx, 529, timeouts), honouring `retry-after`. */
  readonly maxRetries?: number;
  /** Limit of one HTTP attempt, in milliseconds. */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_REQUEST_TIMEOUT_MS = 180_000;
/** Well inside the researcher's 2-minute heartbeat timeout, also while the SDK sleeps before a retry. */
const HEARTBEAT_EVERY_MS = 10_000;

/**
 * A Messages API call that failed after the SDK's own retries. Carries what an operator can act on
 * (status, error type, request id) and never the request's headers, body or the key.
 */
export class ModelCallError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly type: string | null,
    readonly requestId: string | null,
    /** Rate limits, overload, server errors and timeouts: worth another try later. */
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

/** Heartbeats the current activity, if there is one (policies also run outside activities in tests). */
export function heartbeat(): void {
  asyncLocalStorage.getStore()?.heartbeat();
}

/** The current activity's attempt number and its retry policy's limit, when in an activity. */
export function activityAttempt(): { attempt: number; maximumAttempts: number | undefined } | null {
  const context = asyncLocalStorage.getStore();
  if (context === undefined) return null;
  return { attempt: context.info.attempt, maximumAttempts: context.info.retryPolicy?.maximumAttempts };
}

export interface ModelClient {
  /** One Messages API call (with the SDK's bounded retries), heartbeating while it waits. */
  create(params: MessageCreateParamsNonStreaming): Promise<Message & { _request_id?: string | null }>;
}

export function createModelClient(connection: ModelConnection): ModelClient {
  const client = new Anthropic({
    apiKey: connection.apiKey,
    ...(connection.baseUrl ? { baseURL: connection.baseUrl } : {}),
    maxRetries: connection.maxRetries ?? DEFAULT_MAX_RETRIES,
    timeout: connection.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // The SDK's own logger would print request details; AAR logs what it needs itself.
    logLevel: 'off',
    openTelemetry: false,
  });
  const redact = (text: string) => text.split(connection.apiKey).join('[redacted]');

  return {
    async create(params) {
      const context = asyncLocalStorage.getStore();
      heartbeat();
      const timer = setInterval(heartbeat, HEARTBEAT_EVERY_MS);
      try {
        return await client.messages.create(
          params,
          context ? { signal: context.cancellationSignal } : undefined,
        );
      } catch (error) {
        // A cancelled activity ends with Temporal's cancellation, not as a failed call.
        if (context?.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? error;
        throw wrapError(error, redact);
      } finally {
        clearInterval(timer);
      }
    },
  };
}

function wrapError(error: unknown, redact: (text: string) => string): Error {
  if (error instanceof APIUserAbortError)
    return new ModelCallError('Messages API call cancelled', null, null, null, false);
  if (error instanceof APIConnectionError) {
    const what = error.name === 'APIConnectionTimeoutError' ? 'timed out' : 'could not connect';
    return new ModelCallError(
      `Messages API call ${what} after retries`,
      null,
      'connection_error',
      null,
      true,
    );
  }
  if (error instanceof APIError) {
    const status = typeof error.status === 'number' ? error.status : null;
    const transient =
      status !== null && (status === 408 || status === 409 || status === 429 || status >= 500);
    const detail = error.apiMessage ? `: ${redact(error.apiMessage).slice(0, 300)}` : '';
    const request = error.requestID ? ` (request ${redact(error.requestID).slice(0, 100)})` : '';
    return new ModelCallError(
      `Messages API answered ${status ?? 'without a status'} ${error.type ?? 'error'}${detail}${request}`,
      status,
      error.type ?? null,
      error.requestID ?? null,
      transient,
    );
  }
  // Not from the SDK (a bug of ours): keep the message, without the key should it appear.
  return new Error(redact(error instanceof Error ? error.message : String(error)));
}
