import type { PromotionRow } from '../../../activities/store/promotions.js';
import type { ReportData } from './report-data.js';
import { barChart, escapeHtml, lineChart } from './svg-charts.js';

const n3 = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(3));
const interval = (low: number | null | undefined, high: number | null | undefined) =>
  low === null || low === undefined || high === null || high === undefined
    ? '-'
    : `[${n3(low)}, ${n3(high)}]`;
const p = (x: number | undefined) => (x === undefined ? '-' : x.toPrecision(2));

/** The rows of the promotion table: public vs private vs held-out, with intervals and verdicts. */
export function promotionRows(promotions: readonly PromotionRow[]): string[][] {
  return promotions.map((pr) => {
    const n = pr.numbers;
    return [
      pr.experimentId,
      n3(n?.publicPgr),
      n ? n3(n.private.meanPgr.candidate) : '-',
      n
        ? `${n3(n.private.vsNaive.pgrDifference)} ${interval(n.private.vsNaive.pgrInterval.low, n.private.vsNaive.pgrInterval.high)} p=${p(n.private.vsNaive.pValue)}`
        : '-',
      n?.private.vsBest ? `${n3(n.private.vsBest.pgrDifference)} p=${p(n.private.vsBest.pValue)}` : '-',
      n?.heldOut
        ? `${n3(n.heldOut.meanPgr['heldout-candidate'])} (${n3(n.heldOut.vsNaive.pgrDifference)} vs naive, p=${p(n.heldOut.vsNaive.pValue)})`
        : '-',
      n ? p(n.threshold) : '-',
      pr.state.replace('_', ' '),
      pr.signedOffBy ? `${pr.signedOffBy}: ${pr.signOffReason ?? ''}` : '-',
    ];
  });
}

/** The rows of the integrity flag table: each flag, and whether it is open or who cleared it, when and why. */
export function flagRows(flags: ReportData['flags']): string[][] {
  return flags.map((f) => [
    f.id.toString(),
    f.severity,
    f.kind,
    f.agentId ?? '-',
    f.experimentId ?? '-',
    f.message,
    f.clearedAt === null
      ? 'open'
      : `cleared by ${f.clearedBy ?? '?'} at ${f.clearedAt}: ${f.clearReason ?? ''}`,
  ]);
}

const FLAG_HEADER = ['flag', 'severity', 'kind', 'agent', 'experiment', 'message', 'state'];

/** One sentence on the critical flags still open: they hold their experiments back from promotion. */
function openCriticalNote(flags: ReportData['flags']): string {
  const open = flags.filter((f) => f.severity === 'critical' && f.clearedAt === null).length;
  const cleared = flags.filter((f) => f.clearedAt !== null).length;
  return `${open} critical flag${open === 1 ? '' : 's'} open (an open critical flag holds its experiment back from promotion until an operator clears it with a reason); ${cleared} cleared.`;
}

const PROMOTION_HEADER = [
  'experiment',
  'public PGR',
  'private PGR',
  'vs naive (private)',
  'vs previous best',
  'held-out task',
  'p threshold',
  'verdict',
  'sign-off',
];

function markdownTable(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  if (rows.length === 0) return '_none_\n';
  return `${[
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n')}\n`;
}

/** The report as Markdown: every number of the HTML page, in tables. */
export function renderMarkdown(d: ReportData): string {
  const lines = [
    `# Campaign report: ${d.campaign.name} (\`${d.campaign.id}\`)`,
    '',
    `Status **${d.campaign.status}** · task \`${d.campaign.task}\`${d.campaign.heldOutTask ? ` · held-out task \`${d.campaign.heldOutTask}\`` : ''} · started ${d.campaign.createdAt}${d.campaign.finishedAt ? ` · finished ${d.campaign.finishedAt}` : ''} · generated ${d.generatedAt}`,
    '',
    `${d.experiments.total} experiments: ${d.experiments.scored} scored, ${d.experiments.failed} failed, ${d.experiments.invalid} invalid. Best public PGR: ${d.best ? `**${n3(d.best.pgr)}** ${interval(d.best.low, d.best.high)} (${d.best.experimentId}, ${d.best.agentId}, ${d.best.family})` : 'none yet'}.`,
    '',
    '## Agents',
    '',
    markdownTable(
      ['agent', 'policy', 'direction', 'experiments'],
      d.agents.map((a) => [a.id, a.policy, a.direction, String(a.experiments)]),
    ),
    '## PGR over time',
    '',
    markdownTable(
      ['hours', 'agent', 'experiment', 'family', 'public PGR', '95 % interval'],
      d.points.map((pt) => [
        pt.hours.toFixed(2),
        pt.agentId,
        pt.experimentId,
        pt.family,
        n3(pt.pgr),
        interval(pt.low, pt.high),
      ]),
    ),
    '## Method families tried',
    '',
    markdownTable(
      ['family', 'experiments', 'best PGR', 'mean PGR'],
      d.families.map((f) => [f.family, String(f.experiments), n3(f.bestPgr), n3(f.meanPgr)]),
    ),
    '## Promotions',
    '',
    markdownTable(PROMOTION_HEADER, promotionRows(d.promotions)),
    '## Integrity flags',
    '',
    openCriticalNote(d.flags),
    '',
    markdownTable(FLAG_HEADER, flagRows(d.flags)),
    '## Cost',
    '',
    markdownTable(
      [
        'model dollars',
        'model tokens',
        'GPU-hours',
        'PGR points gained',
        'dollars per point',
        'GPU-hours per point',
      ],
      [
        [
          d.cost.dollars.toFixed(2),
          String(d.cost.tokens),
          d.cost.gpuHours.toFixed(3),
          d.cost.pgrPointsGained.toFixed(1),
          d.cost.dollarsPerPoint === null ? '-' : d.cost.dollarsPerPoint.toFixed(2),
          d.cost.gpuHoursPerPoint === null ? '-' : d.cost.gpuHoursPerPoint.toFixed(4),
        ],
      ],
    ),
    `PGR points gained: best public PGR minus ${d.naiveReference.source}, in hundredths. GPU-hours count every trainer run of the campaign (promotion arms included); on CPU they are device-hours.`,
    '',
  ];
  return lines.join('\n');
}

function htmlTable(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '<p class="empty">none</p>';
  return `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** The report as one self-contained HTML page: inline CSS and SVG charts, no scripts, no fetches. */
export function renderHtml(d: ReportData): string {
  const agents = [...new Set(d.points.map((pt) => pt.agentId))];
  const chart = lineChart(
    agents.map((agent) => ({
      name: agent,
      points: d.points
        .filter((pt) => pt.agentId === agent)
        .map((pt) => ({ x: pt.hours, y: pt.pgr, low: pt.low, high: pt.high })),
    })),
    {
      title: 'Public PGR over time, per agent (95 % intervals)',
      xLabel: 'hours since the campaign started',
      yLabel: 'PGR',
    },
  );
  const families = barChart(
    d.families.map((f) => ({ label: f.family, value: f.bestPgr, note: `best of ${f.experiments}` })),
    { title: 'Method families tried: best public PGR' },
  );
  const css = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#111}
table{border-collapse:collapse;margin:8px 0 20px;width:100%}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}svg{width:100%;height:auto;margin:8px 0}.title{font-weight:600;font-size:14px}.tick,.legend{font-size:11px;fill:#333}
.axis{font-size:12px;fill:#555}.grid{stroke:#eee}.empty{color:#777}.kpi{display:flex;gap:24px;flex-wrap:wrap}.kpi div{background:#f5f7fb;padding:8px 12px;border-radius:6px}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Campaign report: ${escapeHtml(d.campaign.name)}</title><style>${css}</style></head><body>
<h1>Campaign report: ${escapeHtml(d.campaign.name)} <small>(${escapeHtml(d.campaign.id)})</small></h1>
<p>Status <b>${escapeHtml(d.campaign.status)}</b> · task ${escapeHtml(d.campaign.task)}${d.campaign.heldOutTask ? ` · held-out task ${escapeHtml(d.campaign.heldOutTask)}` : ''} · started ${escapeHtml(d.campaign.createdAt)} · generated ${escapeHtml(d.generatedAt)}</p>
<div class="kpi"><div>experiments <b>${d.experiments.total}</b> (${d.experiments.scored} scored)</div>
<div>best public PGR <b>${d.best ? n3(d.best.pgr) : '-'}</b></div>
<div>promotions <b>${d.promotions.length}</b> (${d.promotions.filter((x) => x.state === 'accepted').length} accepted)</div>
<div>integrity flags <b>${d.flags.length}</b> (${d.flags.filter((f) => f.severity === 'critical' && f.clearedAt === null).length} critical open)</div><div>GPU-hours <b>${d.cost.gpuHours.toFixed(3)}</b></div><div>model dollars <b>${d.cost.dollars.toFixed(2)}</b></div></div>
<h2>PGR over time</h2>${chart}
<h2>Method families</h2>${families}
${htmlTable(
  ['family', 'experiments', 'best PGR', 'mean PGR'],
  d.families.map((f) => [f.family, String(f.experiments), n3(f.bestPgr), n3(f.meanPgr)]),
)}
<h2>Promotions</h2>${htmlTable(PROMOTION_HEADER, promotionRows(d.promotions))}
<h2>Integrity flags</h2><p>${escapeHtml(openCriticalNote(d.flags))}</p>${htmlTable(FLAG_HEADER, flagRows(d.flags))}
<h2>Agents</h2>${htmlTable(
    ['agent', 'policy', 'direction', 'experiments'],
    d.agents.map((a) => [a.id, a.policy, a.direction, String(a.experiments)]),
  )}
<h2>Cost</h2>${htmlTable(['model dollars', 'model tokens', 'GPU-hours', 'PGR points gained', 'dollars per point', 'GPU-hours per point'], [[d.cost.dollars.toFixed(2), String(d.cost.tokens), d.cost.gpuHours.toFixed(3), d.cost.pgrPointsGained.toFixed(1), d.cost.dollarsPerPoint === null ? '-' : d.cost.dollarsPerPoint.toFixed(2), d.cost.gpuHoursPerPoint === null ? '-' : d.cost.gpuHoursPerPoint.toFixed(4)]])}
<p>PGR points gained: best public PGR minus ${escapeHtml(d.naiveReference.source)}, in hundredths.</p>
<h2>Every scored experiment</h2>${htmlTable(
    ['hours', 'agent', 'experiment', 'family', 'public PGR', '95 % interval'],
    d.points.map((pt) => [
      pt.hours.toFixed(2),
      pt.agentId,
      pt.experimentId,
      pt.family,
      n3(pt.pgr),
      interval(pt.low, pt.high),
    ]),
  )}
</body></html>
`;
}
