/** Calls to the api server with the session cookie; writes carry the dashboard header (CSRF). */

import type { Session } from '../../core/api/dashboard.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Sends the browser to the login page, coming back here afterwards. */
export function toLogin(): never {
  const next = `${location.pathname}${location.search}`;
  location.assign(`/ui/login?next=${encodeURIComponent(next)}`);
  throw new HttpError(401, 'unauthorized', 'log in first');
}

export async function api<T>(path: string, options: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(method === 'GET' ? {} : { 'x-aar-dashboard': '1' }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const parsed: unknown = text === '' ? null : JSON.parse(text);
  if (response.status === 401 && !path.startsWith('/v1/session')) toLogin();
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    throw new HttpError(response.status, error?.code ?? 'error', error?.message ?? `${response.status}`);
  }
  return parsed as T;
}

let session: Promise<Session> | undefined;
/** Who we are and where the Temporal UI is (asked once per page). */
export function currentSession(): Promise<Session> {
  session ??= api<Session>('/v1/session');
  return session;
}

/** The Temporal UI page of a workflow. */
export const temporalLink = (s: Session, workflowId: string): string =>
  `${s.temporalUiUrl}/namespaces/${encodeURIComponent(s.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
