/**
 * Which failed experiments `retry-failed` re-runs, and under which ids. A retry is an experiment
 * of its own, `<original id>-retry<n>`, with the original's agent, spec and seeds: its runs get
 * fresh ids, so nothing an earlier attempt left behind is adopted. Pure.
 */

/** The fields of an experiment row the plan reads. */
export interface ExperimentLike {
  readonly id: string;
  readonly agentId: string;
  readonly seq: number;
  readonly status: string;
}

export interface PlannedRetry<E extends ExperimentLike> {
  /** The experiment the operator ran first. */
  readonly original: E;
  /** Its latest attempt (the original, or its newest retry): the one that failed. */
  readonly latest: E;
  readonly attempt: number;
  readonly retryId: string;
  /** A sequence number of the agent's that its researcher never uses (see {@link retrySeq}). */
  readonly seq: number;
}

/** Retries of one experiment at most; a retry past it is refused. */
export const MAX_RETRIES = 99;
/**
 * Retries take sequence numbers from here up, `RETRY_SEQ_BASE + seq * 100 + n`, far above any a
 * researcher reaches, so the (campaign, agent, seq) key of a retry never meets a future proposal.
 */
export const RETRY_SEQ_BASE = 1_000_000_000;

const RETRY_SUFFIX = /-retry(\d+)$/;

/** The original experiment id and attempt number of an experiment id (attempt 0: the original). */
export function retryOf(experimentId: string): { original: string; attempt: number } {
  const match = RETRY_SUFFIX.exec(experimentId);
  return match === null
    ? { original: experimentId, attempt: 0 }
    : { original: experimentId.slice(0, match.index), attempt: Number(match[1]) };
}

export const retryIdOf = (originalId: string, attempt: number): string => `${originalId}-retry${attempt}`;
export const retrySeq = (originalSeq: number, attempt: number): number =>
  RETRY_SEQ_BASE + originalSeq * 100 + attempt;

/**
 * One retry for each experiment whose latest attempt failed (status `failed`: runs that crashed or
 * were lost). Invalid specs and cancelled experiments are not retried: another run cannot fix them.
 */
export function planRetries<E extends ExperimentLike>(
  experiments: readonly E[],
  options: { agentId?: string } = {},
): { retries: PlannedRetry<E>[]; refused: { experimentId: string; reason: string }[] } {
  const originals = new Map<string, E>();
  const latest = new Map<string, { row: E; attempt: number }>();
  for (const e of experiments) {
    const { original, attempt } = retryOf(e.id);
    if (attempt === 0) originals.set(e.id, e);
    const seen = latest.get(original);
    if (seen === undefined || attempt > seen.attempt) latest.set(original, { row: e, attempt });
  }
  const retries: PlannedRetry<E>[] = [];
  const refused: { experimentId: string; reason: string }[] = [];
  for (const [originalId, { row, attempt }] of latest) {
    const original = originals.get(originalId);
    if (original === undefined || row.status !== 'failed') continue;
    if (options.agentId !== undefined && original.agentId !== options.agentId) continue;
    if (attempt >= MAX_RETRIES) {
      refused.push({ experimentId: row.id, reason: `already retried ${MAX_RETRIES} times` });
      continue;
    }
    retries.push({
      original,
      latest: row,
      attempt: attempt + 1,
      retryId: retryIdOf(originalId, attempt + 1),
      seq: retrySeq(original.seq, attempt + 1),
    });
  }
  return { retries, refused };
}
