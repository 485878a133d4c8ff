import { type Static, Type } from 'typebox';

/**
 * Every error code an AAR HTTP server answers with, and its status. Codes are stable: clients
 * and tests match on them, never on messages.
 */
export const ERROR_CODES = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
  // Eval server (server/eval): what a client can act on without reading the message.
  invalid_predictions: 400,
  bundle_mismatch: 400,
  no_eval_violation: 403,
  task_not_found: 404,
  experiment_not_found: 404,
  submission_not_found: 404,
  token_not_found: 404,
  task_conflict: 409,
  experiment_conflict: 409,
  idempotency_conflict: 409,
  task_expired: 410,
  submission_budget_exhausted: 429,
  campaign_budget_exhausted: 429,
  // Api server, operator surface (server/api/dashboard).
  logs_unavailable: 404,
  reset_point_not_found: 409,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** One problem with a request: where (a JSON pointer into the part) and what to fix. */
export const ErrorDetail = Type.Object({ path: Type.String(), message: Type.String() });

/** The body of every error response. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Array(ErrorDetail)),
    }),
  },
  { $id: 'ErrorResponse' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/**
 * A business error with a stable code. The message is shown to the client, so it says what is
 * wrong and how to fix it, and never contains secrets or labels.
 */
export class AppError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode | (string & {}),
    message: string,
    options: {
      status?: number;
      details?: Static<typeof ErrorDetail>[];
      headers?: Record<string, string>;
    } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.statusCode = options.status ?? ERROR_CODES[code as ErrorCode] ?? 400;
    this.details = options.details;
    this.headers = options.headers;
  }
  readonly details: Static<typeof ErrorDetail>[] | undefined;
  readonly headers: Record<string, string> | undefined;
}

/** Response schemas for the error statuses a route may answer, to spread into `schema.response`. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorResponse> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorResponse]));
}
