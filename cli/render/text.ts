/**
 * Agent-written text made safe for a terminal: control characters (escape sequences that could
 * move the cursor, recolour or retitle the terminal) shown as visible `\xNN`; newlines kept only
 * when `multiline`.
 */
export function plain(text: string, multiline = false): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  const control = multiline ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g : /[\u0000-\u001f\u007f-\u009f]/g;
  return text.replace(control, (c) =>
    c === '\n' || c === '\t' ? ' ' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** `text` cut to `width` characters, with an ellipsis when cut. */
export function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** A PGR (or any ratio) with three decimals, or `-`. */
export const fmtPgr = (value: number | null | undefined): string =>
  value === null || value === undefined ? '-' : value.toFixed(3);

/** A fraction as a whole percentage, or `-`. */
export const fmtPercent = (fraction: number | null | undefined): string =>
  fraction === null || fraction === undefined ? '-' : `${Math.round(fraction * 100)} %`;

/** How long ago an ISO time was, coarsely: `45 s`, `12 min`, `3 h`, `2 d`. */
export function ago(iso: string, nowMs = Date.now()): string {
  const seconds = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86_400)} d`;
}
