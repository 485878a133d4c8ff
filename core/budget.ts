import type { BudgetLimits } from './campaign-spec.js';

/** What has been spent so far, against {@link BudgetLimits}. */
export interface BudgetUsage {
  readonly experiments: number;
  readonly gpuSeconds: number;
  /** Milliseconds since the budget's start. */
  readonly elapsedMs: number;
}

export type BudgetVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether one more experiment may start. Pure and deterministic (workflows call it with their
 * own clock); the reason says which limit was reached and by how much.
 */
export function mayStartExperiment(limits: BudgetLimits | undefined, usage: BudgetUsage): BudgetVerdict {
  if (limits === undefined) return { ok: true };
  if (limits.experiments !== undefined && usage.experiments >= limits.experiments) {
    return { ok: false, reason: `experiment budget reached (${usage.experiments} of ${limits.experiments})` };
  }
  if (limits.gpuHours !== undefined && usage.gpuSeconds / 3600 >= limits.gpuHours) {
    return {
      ok: false,
      reason: `GPU-hour budget reached (${(usage.gpuSeconds / 3600).toFixed(3)} of ${limits.gpuHours})`,
    };
  }
  if (limits.deadlineHours !== undefined && usage.elapsedMs >= limits.deadlineHours * 3_600_000) {
    return { ok: false, reason: `deadline reached (${limits.deadlineHours} h after the start)` };
  }
  return { ok: true };
}

/** The fraction of the tightest limit already used, 0..1 (for metrics and alerts); 0 when unlimited. */
export function budgetFractionUsed(limits: BudgetLimits | undefined, usage: BudgetUsage): number {
  if (limits === undefined) return 0;
  const fractions = [
    limits.experiments ? usage.experiments / limits.experiments : 0,
    limits.gpuHours ? usage.gpuSeconds / 3600 / limits.gpuHours : 0,
    limits.deadlineHours ? usage.elapsedMs / (limits.deadlineHours * 3_600_000) : 0,
  ];
  return Math.min(1, Math.max(...fractions));
}
