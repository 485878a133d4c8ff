/** Plain-text views of a campaign for terminals: progress bars per agent and the leaderboard. */

export interface AgentProgress {
  readonly id: string;
  readonly state: string;
  readonly experiments: { readonly done: number; readonly running: number; readonly failed: number };
  readonly best: { readonly pgr: number } | null;
  readonly currentHypothesis: string | null;
}

export interface LeaderboardLine {
  readonly agentId: string;
  readonly experimentId: string;
  readonly reportedPgr: number;
  readonly pgrMean: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
  readonly experiments: number;
}

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
    const tail = a.currentHypothesis ? `  ${a.currentHypothesis}` : '';
    return (head + tail).slice(0, width);
  });
}

/** The leaderboard as a table: rank, agent, mean public PGR with its 95 % interval, experiment. */
export function leaderboardTable(rows: readonly LeaderboardLine[]): string {
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
