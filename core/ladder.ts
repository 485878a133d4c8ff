/**
 * The Ladder mechanism (Blum & Hardt 2015, "The Ladder: A Reliable Leaderboard for Machine
 * Learning Competitions") for a score where higher is better: the reported score moves only when
 * a submission beats the agent's reported best by more than a step, and is then rounded to that
 * step. Repeated probing of the public split therefore reveals at most one step per improvement.
 */

/** `value` rounded to the nearest multiple of `step`, without binary-fraction noise. */
export function roundToStep(value: number, step: number): number {
  return Number((Math.round(value / step) * step).toFixed(12));
}

export interface LadderOutcome {
  /** What the agent is told: its best score so far, as reported. */
  readonly reported: number;
  /** Whether this submission moved the reported score. */
  readonly improved: boolean;
}

/**
 * One Ladder step. `previous` is the agent's reported best (null before its first submission);
 * `score` is the exact public score of the new submission.
 */
export function ladderUpdate(previous: number | null, score: number, step: number): LadderOutcome {
  if (!(step > 0)) throw new RangeError('the Ladder step must be positive');
  if (previous === null || score > previous + step)
    return { reported: roundToStep(score, step), improved: true };
  return { reported: previous, improved: false };
}

/**
 * An interval widened outward to multiples of `step`, so a published interval carries no more
 * precision than the Ladder score it accompanies.
 */
export function outwardToStep(low: number, high: number, step: number): { low: number; high: number } {
  return {
    low: Number((Math.floor(low / step + 1e-9) * step).toFixed(12)),
    high: Number((Math.ceil(high / step - 1e-9) * step).toFixed(12)),
  };
}
