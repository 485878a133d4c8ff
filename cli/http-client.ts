import { CliError } from './command.js';

/** An error answer of an AAR server: its status and the stable code of `{error: {code, message}}`. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface HttpClient {
  readonly baseUrl: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
  /** Opens a streaming GET (server-sent events); the caller reads the body. */
  stream(path: string, signal: AbortSignal): Promise<Response>;
}

/**
 * A JSON client of one AAR server with a bearer token. Answers that are not 2xx become an
 * {@link ApiError} with the server's message; a server that cannot be reached becomes a one-line
 * error that names it and the variable that points at it.
 */
export function createHttpClient(options: {
  baseUrl: string;
  token: string | undefined;
  what: string;
  urlVariable: string;
  tokenVariable: string;
}): HttpClient {
  const { baseUrl, what } = options;
  const headers = (body: boolean): Record<string, string> => {
    if (options.token === undefined)
      throw new CliError(
        `${options.tokenVariable} is not set: it is the bearer token of the ${what} (the dev stack writes it under .aar-state/secrets/)`,
        2,
      );
    return {
      authorization: `Bearer ${options.token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    };
  };
  const send = async (
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<Response> => {
    try {
      return await fetch(`${baseUrl}${path}`, {
        method,
        headers: headers(body !== undefined),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : { signal: AbortSignal.timeout(60_000) }),
      });
    } catch (error) {
      if (error instanceof CliError || (error as Error).name === 'AbortError') throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `cannot reach the ${what} at ${baseUrl} (${cause?.code ?? cause?.message ?? (error as Error).message}): is it running, and is ${options.urlVariable} right? \`aar doctor\` checks every service`,
      );
    }
  };
  const decode = async <T>(response: Response, method: string, path: string): Promise<T> => {
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = null;
    }
    if (response.ok) return parsed as T;
    const error = (parsed as { error?: { code?: string; message?: string; details?: [] } } | null)?.error;
    const hint =
      response.status === 401 ? ` (check ${options.tokenVariable}: the ${what} did not accept it)` : '';
    throw new ApiError(
      response.status,
      error?.code ?? `http_${response.status}`,
      `${method} ${path}: ${error?.message ?? `${response.status} ${response.statusText}`}${hint}`,
      error?.details ?? [],
    );
  };
  return {
    baseUrl,
    get: async (path) => decode(await send('GET', path), 'GET', path),
    post: async (path, body) => decode(await send('POST', path, body ?? {}), 'POST', path),
    delete: async (path) => decode(await send('DELETE', path), 'DELETE', path),
    async stream(path, signal) {
      const response = await send('GET', path, undefined, signal);
      if (!response.ok) await decode(response, 'GET', path);
      return response;
    },
  };
}
