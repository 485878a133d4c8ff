/** Name of the dashboard's session cookie (HttpOnly, SameSite=Strict, Secure over TLS). */
export const SESSION_COOKIE = 'aar_session';
/** How long a dashboard login lasts. */
export const SESSION_TTL_SECONDS = 12 * 3600;
/**
 * Header a cookie-authenticated write must carry. A cross-site form cannot set it and the api
 * answers no CORS preflight, so a page on another origin cannot make the browser send it.
 */
export const DASHBOARD_HEADER = 'x-aar-dashboard';

/** The value of cookie `name` in a `Cookie` header, or null. */
export function cookieOf(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}

/**
 * The `Set-Cookie` value for a session (or, with `null`, one that deletes it). `secure` when the
 * request came over TLS: directly, or through a proxy the api trusts (`AAR_TRUST_PROXY`).
 */
export function sessionCookie(value: string | null, secure: boolean): string {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
  return value === null
    ? [`${SESSION_COOKIE}=`, 'Max-Age=0', ...attributes].join('; ')
    : [`${SESSION_COOKIE}=${value}`, `Max-Age=${SESSION_TTL_SECONDS}`, ...attributes].join('; ');
}
