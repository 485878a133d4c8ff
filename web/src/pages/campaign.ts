import type { CampaignView } from '../../../core/api/campaigns.js';
import type { Session } from '../../../core/api/dashboard.js';
import type { Experiment, ExperimentList, LeaderboardRow } from '../../../core/api/experiments.js';
import type { Thread } from '../../../core/api/forum.js';
import type { PgrPoint } from '../../../core/api/results.js';
import type { CampaignSnapshot } from '../../../core/api/snapshot.js';
import { agentBudgetUsed, dashboard } from '../../../core/display.js';
import { api, currentSession, temporalLink, toLogin } from '../api.js';
import { intervalBar, lineChart } from '../chart.js';
import { pgrDomain, timeTicks } from '../chart-geometry.js';
import { byId, fill, h, toast } from '../dom.js';
import { clockFor } from '../format.js';

const { ago, percent, pgr } = dashboard;

const FINISHED = new Set(['completed', 'cancelled', 'failed']);

/** An operator action from the page: a POST with the session cookie, confirmed by a toast. */
async function act(path: string, what: string, body: unknown = {}): Promise<void> {
  try {
    await api(path, { method: 'POST', body });
    toast(`${what}: sent`);
  } catch (error) {
    toast(`${what} failed: ${(error as Error).message}`, 'error');
  }
}

function header(view: CampaignView): HTMLElement {
  const state = view.paused && view.status === 'running' ? 'paused' : view.status;
  const base = `/v1/campaigns/${encodeURIComponent(view.id)}`;
  const finished = FINISHED.has(view.status);
  return h(
    'div',
    { class: 'head' },
    h(
      'div',
      null,
      h(
        'h1',
        null,
        view.name,
        ' ',
        h('span', { class: `badge ${state}`, 'data-testid': 'campaign-state' }, state),
      ),
      h(
        'p',
        { class: 'muted' },
        `${view.id} · task ${view.taskId} · started ${ago(view.createdAt)}`,
        view.stopping ? ` · stopping: ${view.stopping}` : '',
        ' · ',
        h('a', { href: view.temporalUrl, target: '_blank', rel: 'noopener noreferrer' }, 'Temporal UI ↗'),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          disabled: finished || view.paused,
          onclick: () => act(`${base}/pause`, 'pause campaign'),
        },
        'Pause campaign',
      ),
      h(
        'button',
        {
          type: 'button',
          disabled: finished || !view.paused,
          onclick: () => act(`${base}/resume`, 'resume campaign'),
        },
        'Resume campaign',
      ),
    ),
  );
}

function budget(view: CampaignView): HTMLElement {
  const limits = (view.budget.limits ?? {}) as Record<string, number>;
  const perAgent = (view.budget.perAgent ?? {}) as Record<string, number>;
  const describe = (l: Record<string, number>) =>
    Object.entries(l)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const usage = `${view.budget.experimentsGranted} experiments granted · ${view.budget.gpuHours.toFixed(2)} GPU-h · per agent: ${describe(perAgent)}`;
  if (Object.keys(limits).length === 0)
    return h(
      'div',
      { class: 'budget', 'data-testid': 'budget' },
      h('label', null, 'Campaign budget: no campaign-wide limit'),
      h('p', { class: 'muted small' }, usage),
    );
  return h(
    'div',
    { class: 'budget', 'data-testid': 'budget' },
    h('label', null, 'Campaign budget used ', h('strong', null, percent(view.budget.fractionUsed))),
    h('meter', {
      min: 0,
      max: 1,
      low: 0.75,
      high: 0.9,
      optimum: 0,
      value: Math.min(1, view.budget.fractionUsed),
    }),
    h('p', { class: 'muted small' }, `${usage} · campaign limits: ${describe(limits)}`),
  );
}

function chart(points: readonly PgrPoint[], view: CampaignView): HTMLElement {
  const agents = view.agents.map((a) => a.id);
  const start = Date.parse(view.createdAt);
  const end = Math.max(
    start + 60_000,
    ...points.map((p) => Date.parse(p.at)),
    view.finishedAt ? 0 : Date.now(),
  );
  const value = (p: PgrPoint) => p.pgrMean ?? p.reportedPgr;
  const series = agents.map((agent) => ({
    name: agent,
    points: points
      .filter((p) => p.agentId === agent)
      .map((p) => ({
        x: Date.parse(p.at),
        y: value(p),
        title: `${p.experimentId}: PGR ${pgr(value(p))} [${pgr(p.ciLow)}, ${pgr(p.ciHigh)}]`,
        href: `/ui/experiments/${encodeURIComponent(p.experimentId)}`,
      })),
  }));
  return h(
    'section',
    { class: 'card' },
    h('h2', null, 'PGR over time'),
    h(
      'p',
      { class: 'muted small' },
      'Public PGR (mean over seeds) of each scored experiment; 0 = imitates the weak supervisor, 1 = recovers the whole gap.',
    ),
    points.length === 0
      ? h('p', { class: 'muted', 'data-testid': 'chart-empty' }, 'No scored experiment yet.')
      : null,
    lineChart({
      series,
      xDomain: [start, end],
      xTicks: timeTicks(start, end, 6),
      yDomain: pgrDomain(points.flatMap((p) => [value(p)])),
      xFormat: clockFor(end - start),
      yFormat: (v) => v.toFixed(1),
      yLabel: 'PGR',
      label: 'PGR over time per agent',
      testId: 'pgr-chart',
      baseline: 0,
    }),
  );
}

function leaderboard(rows: readonly LeaderboardRow[]): HTMLElement {
  const values = rows.flatMap((r) => [
    r.ciLow ?? r.reportedPgr,
    r.ciHigh ?? r.reportedPgr,
    r.pgrMean ?? r.reportedPgr,
  ]);
  const domain = pgrDomain(values);
  return h(
    'section',
    { class: 'card' },
    h('h2', null, 'Leaderboard'),
    rows.length === 0
      ? h('p', { class: 'muted', 'data-testid': 'leaderboard-empty' }, 'No scored experiment yet.')
      : h(
          'table',
          { class: 'table', 'data-testid': 'leaderboard' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['#', 'agent', 'PGR (mean)', '95 % interval', '', 'experiments', 'best experiment'].map((t) =>
                h('th', null, t),
              ),
            ),
          ),
          h(
            'tbody',
            null,
            rows.map((r, i) =>
              h(
                'tr',
                { 'data-testid': 'leaderboard-row', 'data-agent': r.agentId },
                h('td', null, i + 1),
                h('td', { class: 'nowrap' }, r.agentId),
                h('td', { class: 'num' }, pgr(r.pgrMean ?? r.reportedPgr)),
                h('td', { class: 'num' }, r.ciLow === null ? '–' : `[${pgr(r.ciLow)}, ${pgr(r.ciHigh)}]`),
                h('td', null, intervalBar(r.ciLow, r.pgrMean ?? r.reportedPgr, r.ciHigh, domain)),
                h('td', { class: 'num' }, r.experiments),
                h(
                  'td',
                  null,
                  h('a', { href: `/ui/experiments/${encodeURIComponent(r.experimentId)}` }, r.experimentId),
                ),
              ),
            ),
          ),
        ),
  );
}

function agents(view: CampaignView, session: Session): HTMLElement {
  const finished = FINISHED.has(view.status);
  const base = `/v1/campaigns/${encodeURIComponent(view.id)}/agents`;
  return h(
    'section',
    { class: 'card' },
    h('h2', null, 'Agents'),
    h(
      'table',
      { class: 'table', 'data-testid': 'agents' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          [
            'agent',
            'state',
            'current hypothesis',
            'done',
            'running',
            'queued',
            'failed',
            'best PGR',
            'budget used',
            '',
            '',
          ].map((t) => h('th', null, t)),
        ),
      ),
      h(
        'tbody',
        null,
        view.agents.map((a) => {
          const queued = a.experiments.queued;
          const used = agentBudgetUsed(a, view.budget.perAgent);
          const paused = a.state === 'paused';
          return h(
            'tr',
            { 'data-testid': 'agent-row', 'data-agent': a.id },
            h(
              'td',
              null,
              h('strong', null, a.id),
              h('div', { class: 'muted small' }, `${a.policy} · ${a.direction}`),
            ),
            h(
              'td',
              null,
              h('span', { class: `badge ${a.state}`, 'data-testid': 'agent-state' }, a.state),
              a.live || finished
                ? null
                : h(
                    'span',
                    { class: 'muted small', title: 'no live answer: the last recorded state' },
                    ' (recorded)',
                  ),
              a.detail ? h('div', { class: 'muted small' }, a.detail) : null,
            ),
            h('td', { class: 'hypothesis', 'data-testid': 'agent-hypothesis' }, a.currentHypothesis ?? '–'),
            h('td', { class: 'num' }, a.experiments.done),
            h('td', { class: 'num' }, Math.max(0, a.experiments.running - queued)),
            h('td', { class: 'num' }, queued),
            h('td', { class: 'num' }, a.experiments.failed),
            h('td', { class: 'num' }, pgr(a.best?.pgr)),
            h(
              'td',
              null,
              used === null
                ? '–'
                : h('meter', { min: 0, max: 1, value: Math.min(1, used), title: percent(used) }),
              used === null ? null : ` ${percent(used)}`,
            ),
            h(
              'td',
              null,
              h(
                'a',
                { href: temporalLink(session, a.workflowId), target: '_blank', rel: 'noopener noreferrer' },
                'Temporal ↗',
              ),
            ),
            h(
              'td',
              { class: 'actions' },
              paused
                ? h(
                    'button',
                    {
                      type: 'button',
                      disabled: finished,
                      'data-action': 'resume',
                      onclick: () => act(`${base}/${a.id}/resume`, `resume ${a.id}`),
                    },
                    'Resume',
                  )
                : h(
                    'button',
                    {
                      type: 'button',
                      disabled: finished || a.state === 'done' || a.state === 'stopped',
                      'data-action': 'pause',
                      onclick: () => act(`${base}/${a.id}/pause`, `pause ${a.id}`),
                    },
                    'Pause',
                  ),
            ),
          );
        }),
      ),
    ),
  );
}

/** The message form sits outside the live-redrawn table, so typing is never interrupted. */
function messageForm(view: CampaignView): HTMLElement {
  const select = h(
    'select',
    { id: 'message-agent', name: 'agent' },
    view.agents.map((a) => h('option', { value: a.id }, a.id)),
  );
  const text = h('textarea', {
    id: 'message-text',
    name: 'text',
    rows: 2,
    maxlength: 4000,
    required: true,
    placeholder: 'A hint, a correction, a new direction…',
  });
  return h(
    'form',
    {
      class: 'card message',
      'data-testid': 'message-form',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const agent = select.value;
        await act(
          `/v1/campaigns/${encodeURIComponent(view.id)}/agents/${encodeURIComponent(agent)}/message`,
          `message to ${agent}`,
          {
            text: text.value,
          },
        );
        text.value = '';
      },
    },
    h('h2', null, 'Message an agent'),
    h('p', { class: 'muted small' }, "It joins the agent's context at its next proposal."),
    h(
      'div',
      { class: 'row' },
      h('label', { for: 'message-agent' }, 'to'),
      select,
      text,
      h('button', { type: 'submit' }, 'Send'),
    ),
  );
}

function forum(threads: readonly Thread[]): HTMLElement {
  return h(
    'section',
    { class: 'card' },
    h('h2', null, 'Forum'),
    threads.length === 0
      ? h('p', { class: 'muted' }, 'No posts yet.')
      : h(
          'ul',
          { class: 'threads', 'data-testid': 'forum' },
          threads
            .slice(0, 20)
            .map((t) =>
              h(
                'li',
                { 'data-testid': 'thread', 'data-post': t.id },
                h('a', { href: `/ui/forum/${t.id}` }, t.title === '' ? t.body.slice(0, 140) : t.title),
                h(
                  'span',
                  { class: 'muted small' },
                  ` · ${t.authorKind} ${t.authorId} · ${t.kind} · ${t.replies} replies · ${ago(t.createdAt)}`,
                ),
              ),
            ),
        ),
  );
}

function experiments(list: readonly Experiment[]): HTMLElement {
  const newest = [...list].reverse().slice(0, 50);
  return h(
    'section',
    { class: 'card' },
    h('h2', null, `Experiments (${list.length})`),
    h(
      'table',
      { class: 'table', 'data-testid': 'experiments' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['experiment', 'agent', 'status', 'PGR', 'finished', 'hypothesis'].map((t) => h('th', null, t)),
        ),
      ),
      h(
        'tbody',
        null,
        newest.map((e) =>
          h(
            'tr',
            { 'data-testid': 'experiment-row' },
            h('td', null, h('a', { href: `/ui/experiments/${encodeURIComponent(e.id)}` }, e.id)),
            h('td', { class: 'nowrap' }, e.agentId),
            h('td', null, h('span', { class: `badge ${e.status}` }, e.status)),
            h('td', { class: 'num' }, pgr(e.reportedPgr)),
            h('td', null, ago(e.finishedAt)),
            h('td', { class: 'hypothesis' }, e.hypothesis),
          ),
        ),
      ),
    ),
  );
}

/**
 * A campaign, live: the page subscribes to the campaign's server-sent events and redraws its
 * sections from each snapshot; the experiment list is re-read when experiments finish.
 */
export async function campaignPage(root: HTMLElement, campaignId: string): Promise<void> {
  const session = await currentSession();
  // Fails here (not found, logged out) with a clear message before the stream opens.
  await api(`/v1/campaigns/${encodeURIComponent(campaignId)}`);
  const slots = {
    header: h('div'),
    budget: h('div'),
    chart: h('div'),
    board: h('div'),
    agents: h('div'),
    message: h('div'),
    forum: h('div'),
    experiments: h('div'),
  };
  fill(
    root,
    slots.header,
    slots.budget,
    h('div', { class: 'grid' }, slots.chart, slots.board),
    slots.agents,
    slots.message,
    h('div', { class: 'grid' }, slots.forum, slots.experiments),
  );
  fill(byId('crumbs'), h('a', { href: '/ui/' }, 'campaigns'), ' › ', campaignId);
  const live = byId('live');
  let experimentsSeen = -1;
  let messageDrawn = false;
  const render = async (snapshot: CampaignSnapshot) => {
    const view = snapshot.campaign;
    document.title = `${view.name} · AAR`;
    fill(slots.header, header(view));
    fill(slots.budget, budget(view));
    fill(slots.chart, chart(snapshot.series, view));
    fill(slots.board, leaderboard(snapshot.leaderboard));
    fill(slots.agents, agents(view, session));
    fill(slots.forum, forum(snapshot.threads));
    if (!messageDrawn) {
      fill(slots.message, messageForm(view));
      messageDrawn = true;
    }
    const count = view.agents.reduce((n, a) => n + a.experiments.done + a.experiments.running, 0);
    if (count !== experimentsSeen) {
      experimentsSeen = count;
      const { experiments: list } = await api<ExperimentList>(
        `/v1/campaigns/${encodeURIComponent(campaignId)}/experiments?limit=1000`,
      );
      fill(slots.experiments, experiments(list));
    }
    root.dataset.updated = snapshot.at;
  };
  const events = new EventSource(`/v1/campaigns/${encodeURIComponent(campaignId)}/events`);
  events.addEventListener('snapshot', (event) => {
    fill(live, '● live');
    live.className = 'live on';
    void render(JSON.parse((event as MessageEvent<string>).data) as CampaignSnapshot);
  });
  events.addEventListener('denied', () => {
    events.close();
    toLogin();
  });
  events.addEventListener('error', () => {
    fill(live, '○ reconnecting…');
    live.className = 'live off';
    // A refused stream is not retried by the browser: see whether the session ended.
    if (events.readyState === EventSource.CLOSED)
      void fetch('/v1/session', { credentials: 'same-origin' }).then((r) =>
        r.status === 401 ? toLogin() : undefined,
      );
  });
  window.addEventListener('pagehide', () => events.close());
}
