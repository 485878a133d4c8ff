/**
 * How operators' views show numbers and times: the same formats in the terminal (the `aar` CLI) and
 * the dashboard, which differ only in the mark for a missing value.
 */

/** What a view shows for a missing value: the terminal's ASCII hyphen, the dashboard's en dash. */
export const MISSING = { terminal: '-', dashboard: '–' } as const;

export interface DisplayFormats {
  /** A PGR (or any ratio) with three decimals. */
  pgr(value: number | null | undefined): string;
  /** A fraction as a whole percentage: `25 %`. */
  percent(fraction: number | null | undefined): string;
  /** How long ago an ISO time was, coarsely: `45 s ago`, `12 min ago`, `3 h ago`, `2 d ago`. */
  ago(iso: string | null | undefined, nowMs?: number): string;
}

/** The formats, showing `missing` for a null or absent value. */
export function displayFormats(missing: string): DisplayFormats {
  return {
    pgr: (value) => (value === null || value === undefined ? missing : value.toFixed(3)),
    percent: (fraction) =>
      fraction === null || fraction === undefined ? missing : `${Math.round(fraction * 100)} %`,
    ago(iso, nowMs = Date.now()) {
      if (!iso) return missing;
      const seconds = Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
      if (seconds < 90) return `${seconds} s ago`;
      if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
      if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
      return `${Math.round(seconds / 86_400)} d ago`;
    },
  };
}

/** The CLI's formats. */
export const terminal = displayFormats(MISSING.terminal);
/** The dashboard's formats. */
export const dashboard = displayFormats(MISSING.dashboard);

/**
 * How much of its own budget an agent used: the tightest of experiments done and GPU-hours against
 * the per-agent limits of the campaign spec (`CampaignView.budget.perAgent`), or null when neither
 * is limited.
 */
export function agentBudgetUsed(
  agent: { readonly experiments: { readonly done: number }; readonly gpuSeconds: number },
  perAgent: unknown,
): number | null {
  const limits = perAgent as { experiments?: number; gpuHours?: number } | null | undefined;
  const used = [
    limits?.experiments ? agent.experiments.done / limits.experiments : null,
    limits?.gpuHours ? agent.gpuSeconds / 3600 / limits.gpuHours : null,
  ].filter((f): f is number => f !== null);
  return used.length === 0 ? null : Math.max(...used);
}
