/**
 * One CSV cell (RFC 4180 quoting). Text that a spreadsheet would run as a formula (`=`, `+`, `-`,
 * `@` at the start, and not a number) is prefixed with `'`: agent-written text is data.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text =
    typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (
    typeof value === 'string' &&
    /^[=+\-@\t\r]/.test(text) &&
    !/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)
  )
    text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV document with a header line, rows in the header's order, CRLF line ends. */
export function csv(header: readonly string[], rows: readonly Record<string, unknown>[]): string {
  return `${[header.join(','), ...rows.map((row) => header.map((h) => csvCell(row[h])).join(','))].join('\r\n')}\r\n`;
}
