/** Clock times for the charts (PGR, ago and percent are in core/display.ts, shared with the CLI). */

export const clock = (ms: number): string =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** A time of day, with seconds when the span shown is short. */
export const clockFor =
  (spanMs: number) =>
  (ms: number): string =>
    spanMs < 15 * 60_000
      ? new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
      : clock(ms);
