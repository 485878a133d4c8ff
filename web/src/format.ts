/** Display formats shared by the pages. */

export const pgr = (value: number | null | undefined): string =>
  value === null || value === undefined ? '–' : value.toFixed(3);

export const percent = (fraction: number | null | undefined): string =>
  fraction === null || fraction === undefined ? '–' : `${Math.round(fraction * 100)} %`;

export function ago(iso: string | null | undefined): string {
  if (!iso) return '–';
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 129_600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

export const clock = (ms: number): string =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** A time of day, with seconds when the span shown is short. */
export const clockFor =
  (spanMs: number) =>
  (ms: number): string =>
    spanMs < 15 * 60_000
      ? new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
      : clock(ms);
