import type { RunLog } from '../../../core/api/dashboard.js';
import type { ExperimentWithRuns, Run } from '../../../core/api/experiments.js';
import type { ExperimentResults } from '../../../core/api/results.js';
import { dashboard } from '../../../core/display.js';
import { api, currentSession, HttpError, temporalLink } from '../api.js';
import { lineChart } from '../chart.js';
import { byId, fill, h } from '../dom.js';

const { ago, pgr } = dashboard;

function curves(results: ExperimentResults['results']): HTMLElement {
  const withCurves = results.filter((r) => r.curve.length > 0);
  if (withCurves.length === 0) return h('p', { class: 'muted' }, 'No training curve recorded.');
  const series = (pick: (p: ExperimentResults['results'][number]['curve'][number]) => number | null) =>
    withCurves.map((r) => ({
      name: `seed ${r.seed}`,
      points: r.curve
        .filter((p) => pick(p) !== null)
        .map((p) => ({
          x: p.epoch,
          y: pick(p)!,
          title: `seed ${r.seed}, epoch ${p.epoch}: ${pick(p)!.toFixed(4)}`,
        })),
    }));
  const loss = series((p) => p.trainLoss);
  const accuracy = series((p) => p.weakValAccuracy);
  const epochs = (list: typeof loss) => list.some((l) => l.points.length > 0);
  return h(
    'div',
    { class: 'grid', 'data-testid': 'curves' },
    epochs(loss)
      ? lineChart({
          series: loss,
          xFormat: (v) => String(Math.round(v)),
          yFormat: (v) => v.toFixed(2),
          yLabel: 'train loss',
          label: 'training loss per epoch and seed',
          testId: 'loss-chart',
        })
      : h('p', { class: 'muted' }, 'No training loss recorded.'),
    epochs(accuracy)
      ? lineChart({
          series: accuracy,
          xFormat: (v) => String(Math.round(v)),
          yFormat: (v) => v.toFixed(2),
          yLabel: 'weak-label val. accuracy',
          label: 'validation accuracy against weak labels per epoch and seed',
          testId: 'accuracy-chart',
        })
      : h(
          'p',
          { class: 'muted' },
          'No validation accuracy recorded (the trainer measures it against weak labels only when the spec asks for early stopping).',
        ),
  );
}

function seeds(runs: readonly Run[], data: ExperimentResults): HTMLElement {
  const bySeed = new Map(data.score?.perSeed.map((s) => [s.seed, s]) ?? []);
  const byRun = new Map(data.results.map((r) => [r.runId, r]));
  return h(
    'table',
    { class: 'table', 'data-testid': 'seed-results' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        [
          'seed',
          'attempt',
          'run',
          'status',
          'public accuracy',
          'public PGR',
          'wall s',
          'stopped epoch',
          'device',
          'failure',
        ].map((t) => h('th', null, t)),
      ),
    ),
    h(
      'tbody',
      null,
      runs.map((run) => {
        const result = byRun.get(run.id);
        const score = run.status === 'succeeded' ? bySeed.get(run.seed) : undefined;
        return h(
          'tr',
          { 'data-testid': 'seed-row' },
          h('td', { class: 'num' }, run.seed),
          h('td', { class: 'num' }, run.attempt),
          h('td', { class: 'small' }, run.id),
          h('td', null, h('span', { class: `badge ${run.status}` }, run.status)),
          h('td', { class: 'num' }, score ? score.accuracy.toFixed(3) : '–'),
          h('td', { class: 'num' }, pgr(score?.pgr)),
          h('td', { class: 'num' }, result ? result.wallSeconds.toFixed(1) : '–'),
          h('td', { class: 'num' }, result?.stoppedEpoch ?? '–'),
          h('td', null, result?.device ?? '–'),
          h('td', { class: 'small' }, run.failure ? `${run.failure.kind}: ${run.failure.message}` : ''),
        );
      }),
    ),
  );
}

function logs(runs: readonly Run[]): HTMLElement {
  const output = h('pre', { class: 'log', 'data-testid': 'log' }, 'choose a run');
  const runSelect = h(
    'select',
    { id: 'log-run' },
    runs.map((r) => h('option', { value: r.id }, `seed ${r.seed}, attempt ${r.attempt}`)),
  );
  const streamSelect = h(
    'select',
    { id: 'log-stream' },
    h('option', { value: 'student' }, 'student (what the sandboxed run printed)'),
    h('option', { value: 'stderr' }, 'launcher (why the run ended)'),
  );
  const load = async () => {
    if (runSelect.value === '') return;
    fill(output, 'loading…');
    try {
      const log = await api<RunLog>(
        `/v1/runs/${encodeURIComponent(runSelect.value)}/logs?stream=${streamSelect.value}&tail=300`,
      );
      fill(
        output,
        log.truncated ? '… (earlier lines left out)\n' : '',
        log.text === '' ? '(empty: nothing was written here)' : log.text,
      );
    } catch (error) {
      fill(output, error instanceof HttpError ? error.message : String(error));
    }
  };
  runSelect.addEventListener('change', load);
  streamSelect.addEventListener('change', load);
  void load();
  return h(
    'section',
    { class: 'card' },
    h('h2', null, 'Logs'),
    runs.length === 0
      ? h('p', { class: 'muted' }, 'No runs yet.')
      : h('div', { class: 'row' }, runSelect, streamSelect),
    output,
  );
}

/** One experiment: hypothesis, score, per-seed results, training curves, spec and logs. */
export async function experimentPage(root: HTMLElement, experimentId: string): Promise<void> {
  const session = await currentSession();
  const id = encodeURIComponent(experimentId);
  const [{ experiment, runs }, data] = await Promise.all([
    api<ExperimentWithRuns>(`/v1/experiments/${id}`),
    api<ExperimentResults>(`/v1/experiments/${id}/results`),
  ]);
  document.title = `${experiment.id} · AAR`;
  fill(
    byId('crumbs'),
    h('a', { href: '/ui/' }, 'campaigns'),
    ' › ',
    h('a', { href: `/ui/campaigns/${encodeURIComponent(experiment.campaignId)}` }, experiment.campaignId),
    ' › ',
    experiment.id,
  );
  const score = data.score;
  fill(
    root,
    h(
      'div',
      { class: 'head' },
      h(
        'div',
        null,
        h(
          'h1',
          null,
          experiment.id,
          ' ',
          h(
            'span',
            { class: `badge ${experiment.status}`, 'data-testid': 'experiment-state' },
            experiment.status,
          ),
        ),
        h(
          'p',
          { class: 'muted' },
          `agent ${experiment.agentId} · seeds ${experiment.seeds.join(', ')}${experiment.noEval ? ' · no-eval' : ''} · proposed ${ago(experiment.createdAt)} · `,
          h(
            'a',
            {
              href: temporalLink(session, `experiment-${experiment.id}`),
              target: '_blank',
              rel: 'noopener noreferrer',
            },
            'Temporal UI ↗',
          ),
        ),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', null, 'Hypothesis'),
      h('p', { class: 'text', 'data-testid': 'hypothesis' }, experiment.hypothesis),
      experiment.failureReason ? h('p', { class: 'error text' }, experiment.failureReason) : null,
      score
        ? h(
            'p',
            { 'data-testid': 'score' },
            'public PGR ',
            h('strong', null, pgr(score.pgrMean)),
            ` (95 % interval [${pgr(score.ciLow)}, ${pgr(score.ciHigh)}]) · reported to the agent (Ladder) ${pgr(score.reportedPgr)}`,
          )
        : null,
      experiment.analysis
        ? h('div', null, h('h3', null, 'Analysis'), h('p', { class: 'text' }, experiment.analysis))
        : null,
    ),
    h('section', { class: 'card' }, h('h2', null, 'Per-seed results'), seeds(runs, data)),
    h('section', { class: 'card' }, h('h2', null, 'Training curves'), curves(data.results)),
    h(
      'section',
      { class: 'card' },
      h('h2', null, 'Spec'),
      h('pre', { class: 'spec', 'data-testid': 'spec' }, JSON.stringify(experiment.spec, null, 2)),
    ),
    logs(runs),
  );
}
