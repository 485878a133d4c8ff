/** Small self-contained SVG charts for the campaign report (no scripts, no external assets). */

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777'];

/** Escapes text for HTML and SVG: agent-written text is data, never markup. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const fmt = (x: number) =>
  Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(1) : x.toFixed(2);

function ticks(min: number, max: number, count = 5): number[] {
  if (max - min < 1e-9) return [min];
  const step = (max - min) / (count - 1);
  return Array.from({ length: count }, (_, i) => min + i * step);
}

export interface Series {
  readonly name: string;
  readonly points: readonly { x: number; y: number; low?: number | null; high?: number | null }[];
}

/** A line chart with one coloured series per name, error bars where intervals exist, and a legend. */
export function lineChart(
  series: readonly Series[],
  options: { title: string; xLabel: string; yLabel: string },
): string {
  const width = 720;
  const height = 360;
  const m = { left: 56, right: 150, top: 36, bottom: 44 };
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<p class="empty">${escapeHtml(options.title)}: no data yet</p>`;
  const xs = all.map((p) => p.x);
  const ys = all.flatMap((p) => [p.y, p.low ?? p.y, p.high ?? p.y]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs) || 1];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(...ys, 0.1)];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * (width - m.left - m.right);
  const sy = (y: number) => height - m.bottom - ((y - y0) / (y1 - y0 || 1)) * (height - m.top - m.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<text x="${m.left}" y="20" class="title">${escapeHtml(options.title)}</text>`,
  ];
  for (const y of ticks(y0, y1)) {
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${sy(y)}" y2="${sy(y)}" class="grid"/>`);
    parts.push(`<text x="${m.left - 6}" y="${sy(y) + 4}" text-anchor="end" class="tick">${fmt(y)}</text>`);
  }
  for (const x of ticks(x0, x1))
    parts.push(
      `<text x="${sx(x)}" y="${height - m.bottom + 16}" text-anchor="middle" class="tick">${fmt(x)}</text>`,
    );
  parts.push(
    `<text x="${(m.left + width - m.right) / 2}" y="${height - 8}" text-anchor="middle" class="axis">${escapeHtml(options.xLabel)}</text>`,
  );
  parts.push(
    `<text x="14" y="${(m.top + height - m.bottom) / 2}" text-anchor="middle" class="axis" transform="rotate(-90 14 ${(m.top + height - m.bottom) / 2})">${escapeHtml(options.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${sorted.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ')}"/>`,
    );
    for (const p of sorted) {
      if (p.low != null && p.high != null)
        parts.push(
          `<line x1="${sx(p.x)}" x2="${sx(p.x)}" y1="${sy(p.low)}" y2="${sy(p.high)}" stroke="${color}" stroke-opacity="0.45"/>`,
        );
      parts.push(`<circle cx="${sx(p.x)}" cy="${sy(p.y)}" r="3.5" fill="${color}"/>`);
    }
    parts.push(
      `<rect x="${width - m.right + 14}" y="${m.top + i * 20}" width="12" height="12" fill="${color}"/>`,
    );
    parts.push(
      `<text x="${width - m.right + 32}" y="${m.top + i * 20 + 11}" class="legend">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars, one per label, with the value and a note at the end of each bar. */
export function barChart(
  bars: readonly { label: string; value: number; note: string }[],
  options: { title: string },
): string {
  if (bars.length === 0) return `<p class="empty">${escapeHtml(options.title)}: no data yet</p>`;
  const width = 720;
  const row = 26;
  const left = 190;
  const height = 40 + bars.length * row;
  const max = Math.max(...bars.map((b) => b.value), 0.01);
  const min = Math.min(0, ...bars.map((b) => b.value));
  const sx = (v: number) => left + ((v - min) / (max - min)) * (width - left - 170);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<text x="10" y="20" class="title">${escapeHtml(options.title)}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = 32 + i * row;
    parts.push(
      `<text x="${left - 8}" y="${y + 14}" text-anchor="end" class="tick">${escapeHtml(b.label)}</text>`,
    );
    parts.push(
      `<rect x="${Math.min(sx(0), sx(b.value))}" y="${y}" width="${Math.abs(sx(b.value) - sx(0))}" height="${row - 8}" fill="${PALETTE[0]}"/>`,
    );
    parts.push(
      `<text x="${Math.max(sx(0), sx(b.value)) + 6}" y="${y + 14}" class="tick">${b.value.toFixed(3)} ${escapeHtml(b.note)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
