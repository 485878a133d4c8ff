/** Plain-text views of a campaign for terminals: progress bars per agent and the leaderboard. */

import type { AgentView, CampaignView } from '../../core/api/campaigns.js';
import type { LeaderboardRow } from '../../core/api/experiments.js';
import { agentBudgetUsed, terminal } from '../../core/display.js';
import { table } from './table.js';
import { clip, plain } from './text.js';

const { ago, percent, pgr } = terminal;

/** The fields of an agent (`AgentView`) a progress line reads. */
export type AgentProgress = Pick<AgentView, 'id' | 'state' | 'experiments' | 'currentHypothesis'> & {
  readonly best: Pick<NonNullable<AgentView['best']>, 'pgr'> | null;
};

/** `[#####-----]` for `done` of `total` (total unknown: a count instead). */
export function bar(done: number, total: number | undefined, width = 20): string {
  if (total === undefined || total <= 0) return `${done} done`;
  const filled = Math.min(width, Math.round((width * done) / total));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`;
}

/** One line per agent: bar, state, best PGR and what it is trying now. */
export function progressLines(
  agents: readonly AgentProgress[],
  perAgent: number | undefined,
  width = 100,
): string[] {
  const idWidth = Math.max(5, ...agents.map((a) => a.id.length));
  return agents.map((a) => {
    const best = a.best ? `best ${a.best.pgr.toFixed(3)}` : 'best   -  ';
    const head = `${a.id.padEnd(idWidth)} ${bar(a.experiments.done, perAgent)} ${a.state.padEnd(9)} ${best}`;
    const tail = a.currentHypothesis ? `  ${plain(a.currentHypothesis)}` : '';
    return (head + tail).slice(0, width);
  });
}

/** The leaderboard as a table: rank, agent, mean public PGR with its 95 % interval, experiment. */
export function leaderboardTable(rows: readonly LeaderboardRow[]): string {
  if (rows.length === 0) return 'no scored experiments yet';
  const header = ['#', 'agent', 'PGR (public, mean)', '95 % interval', 'experiments', 'best experiment'];
  const body = rows.map((r, i) => [
    String(i + 1),
    r.agentId,
    (r.pgrMean ?? r.reportedPgr).toFixed(3),
    r.ciLow !== null && r.ciHigh !== null ? `[${r.ciLow.toFixed(3)}, ${r.ciHigh.toFixed(3)}]` : '-',
    String(r.experiments),
    r.experimentId,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The fields of the api's campaign view (`GET /v1/campaigns/:id`) the terminal views read. */
export type CampaignViewLike = Pick<
  CampaignView,
  'id' | 'name' | 'taskId' | 'status' | 'createdAt' | 'paused' | 'stopping' | 'temporalUrl' | 'budget'
> & {
  readonly agents: readonly (AgentProgress & Pick<AgentView, 'gpuSeconds' | 'live' | 'detail'>)[];
};

/** `[####----------------] 20 %` for a fraction. */
export function percentBar(fraction: number, width = 20): string {
  const clamped = Math.max(0, Math.min(1, fraction));
  const filled = Math.round(width * clamped);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.round(fraction * 100)} %`;
}

/** Two lines about the campaign: what and how it is, then its budget. */
export function campaignHeader(view: CampaignViewLike, nowMs = Date.now()): string[] {
  const state = view.paused && view.status === 'running' ? 'paused' : view.status;
  const stopping = view.stopping ? ` · stopping: ${plain(view.stopping)}` : '';
  return [
    `campaign ${view.id} "${plain(view.name)}" · ${state} · task ${view.taskId} · started ${ago(view.createdAt, nowMs)}${stopping}`,
    `budget ${percentBar(view.budget.fractionUsed)} of the campaign budget used · ${view.budget.experimentsGranted} experiments granted · ${view.budget.gpuHours.toFixed(2)} GPU-h`,
  ];
}

/**
 * One row per agent: state, experiments done/running/queued/failed, best PGR, budget used and what
 * it is trying now (agent-written text, made terminal-safe).
 */
export function agentStatusTable(view: CampaignViewLike, hypothesisWidth = 80): string {
  const header = [
    'agent',
    'state',
    'done',
    'running',
    'queued',
    'failed',
    'best PGR',
    'budget used',
    'current hypothesis',
  ];
  const finished = ['completed', 'cancelled', 'failed'].includes(view.status);
  const rows = view.agents.map((a) => {
    const queued = a.experiments.queued;
    return [
      a.id,
      a.live || finished ? a.state : `${a.state}?`,
      String(a.experiments.done),
      String(Math.max(0, a.experiments.running - queued)),
      String(queued),
      String(a.experiments.failed),
      pgr(a.best?.pgr),
      percent(agentBudgetUsed(a, view.budget.perAgent)),
      a.currentHypothesis ? clip(plain(a.currentHypothesis), hypothesisWidth) : '-',
    ];
  });
  return table(header, rows);
}

/** Experiments each agent may run, when the per-agent budget caps them (for progress bars). */
export function perAgentExperiments(view: CampaignViewLike): number | undefined {
  return (view.budget.perAgent as { experiments?: number } | null | undefined)?.experiments;
}
