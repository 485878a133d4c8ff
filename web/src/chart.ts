import { colorOf, linearScale, paddedDomain, pathOf, type Scale } from './chart-geometry.js';
import { h, s } from './dom.js';

export interface ChartPoint {
  readonly x: number;
  readonly y: number;
  /** Shown on hover (an SVG title: text, never markup). */
  readonly title: string;
  readonly href?: string;
}
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly ChartPoint[];
}
export interface ChartOptions {
  readonly series: readonly ChartSeries[];
  readonly xDomain?: readonly [number, number];
  readonly yDomain?: readonly [number, number];
  readonly xTicks?: readonly number[];
  readonly xFormat: (value: number) => string;
  readonly yFormat: (value: number) => string;
  readonly yLabel: string;
  readonly label: string;
  readonly testId?: string;
  /** A horizontal reference line (PGR 0: the student only imitates its supervisor). */
  readonly baseline?: number;
}

const WIDTH = 720;
const HEIGHT = 280;
const MARGIN = { top: 14, right: 16, bottom: 30, left: 52 };

function axes(x: Scale, y: Scale, options: ChartOptions): SVGElement {
  const bottom = HEIGHT - MARGIN.bottom;
  return s(
    'g',
    { class: 'axes' },
    y.ticks.map((t) =>
      s(
        'g',
        null,
        s('line', { class: 'grid', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(t), y2: y(t) }),
        s('text', { x: MARGIN.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, options.yFormat(t)),
      ),
    ),
    x.ticks.map((t) => s('text', { x: x(t), y: bottom + 18, 'text-anchor': 'middle' }, options.xFormat(t))),
    s('line', { class: 'axis', x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: bottom, y2: bottom }),
    s(
      'text',
      {
        class: 'label',
        x: 12,
        y: MARGIN.top + (bottom - MARGIN.top) / 2,
        transform: `rotate(-90 12 ${MARGIN.top + (bottom - MARGIN.top) / 2})`,
        'text-anchor': 'middle',
      },
      options.yLabel,
    ),
  );
}

/**
 * A line chart as inline SVG: one coloured line with dots per series, hover titles, a legend.
 * Drawn from DOM nodes, so series names and titles are text whatever they contain.
 */
export function lineChart(options: ChartOptions): HTMLElement {
  const all = options.series.flatMap((series) => series.points);
  const x = linearScale(
    options.xDomain ?? paddedDomain(all.map((p) => p.x)),
    [MARGIN.left, WIDTH - MARGIN.right],
    6,
    options.xTicks,
  );
  const y = linearScale(
    options.yDomain ?? paddedDomain(all.map((p) => p.y)),
    [HEIGHT - MARGIN.bottom, MARGIN.top],
    5,
  );
  const lines = options.series.map((series, index) => {
    const color = colorOf(index);
    const points = series.points.map((p) => ({ ...p, px: x(p.x), py: y(p.y) }));
    return s(
      'g',
      { class: 'series', 'data-series': series.name },
      s('path', {
        d: pathOf(points.map((p) => ({ x: p.px, y: p.py }))),
        stroke: color,
        fill: 'none',
        'stroke-width': 2,
      }),
      points.map((p) => {
        const dot = s(
          'circle',
          { class: 'point', cx: p.px, cy: p.py, r: 4, fill: color, 'data-series': series.name },
          s('title', null, p.title),
        );
        return p.href ? s('a', { href: p.href }, dot) : dot;
      }),
    );
  });
  const baseline =
    options.baseline !== undefined && options.baseline >= y.domain[0] && options.baseline <= y.domain[1]
      ? s('line', {
          class: 'baseline',
          x1: MARGIN.left,
          x2: WIDTH - MARGIN.right,
          y1: y(options.baseline),
          y2: y(options.baseline),
        })
      : null;
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
      role: 'img',
      'aria-label': options.label,
      class: 'chart',
      ...(options.testId ? { 'data-testid': options.testId } : {}),
    },
    axes(x, y, options),
    baseline,
    lines,
  );
  const legend = h(
    'ul',
    { class: 'legend' },
    options.series.map((series, index) =>
      h(
        'li',
        null,
        s(
          'svg',
          { class: 'swatch', viewBox: '0 0 12 12', 'aria-hidden': 'true' },
          s('rect', { width: 12, height: 12, rx: 2, fill: colorOf(index) }),
        ),
        series.name,
      ),
    ),
  );
  return h('figure', { class: 'chart-box' }, svg, legend);
}

/** An interval [low, high] with its mean, on a shared axis: the leaderboard's interval column. */
export function intervalBar(
  low: number | null,
  mean: number,
  high: number | null,
  domain: readonly [number, number],
): SVGElement {
  const x = linearScale(domain, [4, 156]);
  return s(
    'svg',
    {
      viewBox: '0 0 160 16',
      class: 'interval',
      role: 'img',
      'aria-label': `interval ${low ?? '–'} to ${high ?? '–'}`,
    },
    s('line', { class: 'zero', x1: x(0), x2: x(0), y1: 1, y2: 15 }),
    low !== null && high !== null
      ? s('line', { class: 'range', x1: x(low), x2: x(high), y1: 8, y2: 8 })
      : null,
    s('circle', { class: 'mean', cx: x(mean), cy: 8, r: 3.5 }),
  );
}
