import { roundToStep } from './ladder.js';

/**
 * What an agent may see, for every surface an agent reads (its tools, the policy contexts, system
 * forum posts, failure reasons): scores only as the eval server's Ladder reports them. No exact
 * mean, interval, per-seed score, private-half or held-out figure, no p-value, and no ordering
 * decided by exact values: lists are ordered by the reported Ladder value, ties broken by
 * experiment id. Operators (api routes, CLI, dashboard, report) read the record directly instead.
 */

/** One scored experiment as an agent may know it: its Ladder-reported PGR and nothing finer. */
export interface LadderEntry {
  readonly agentId: string;
  readonly experimentId: string;
  readonly reportedPgr: number;
}

/** A leaderboard row as agents read it. */
export interface AgentLeaderboardRow extends LadderEntry {
  /** Research experiments the agent has proposed (a count, no score). */
  readonly experiments: number;
}

/** The Ladder value again, rounded to its step: a guard against a finer number reaching an agent. */
export const ladderValue = (reported: number, step: number): number => roundToStep(reported, step);

/** Higher reported PGR first; equal ones by experiment id, which carries no score information. */
export function byLadder(
  a: { readonly reportedPgr: number; readonly experimentId: string },
  b: { readonly reportedPgr: number; readonly experimentId: string },
): number {
  if (a.reportedPgr !== b.reportedPgr) return b.reportedPgr - a.reportedPgr;
  return a.experimentId < b.experimentId ? -1 : a.experimentId > b.experimentId ? 1 : 0;
}

/** The best of `xs` by reported PGR (ties by experiment id); those without a score are skipped. */
export function bestByLadder<
  T extends { readonly experimentId: string; readonly reportedPgr?: number | null },
>(xs: readonly T[]): T | undefined {
  const scored = xs.filter(
    (x): x is T & { reportedPgr: number } => x.reportedPgr !== undefined && x.reportedPgr !== null,
  );
  return [...scored].sort(byLadder)[0];
}

/** Each agent's best experiment by reported PGR, best agent first: the leaderboard agents read. */
export function leaderboardView(
  scored: readonly LadderEntry[],
  experimentsOf: ReadonlyMap<string, number>,
  step: number,
): AgentLeaderboardRow[] {
  const best = new Map<string, LadderEntry>();
  for (const e of [...scored].sort(byLadder)) if (!best.has(e.agentId)) best.set(e.agentId, e);
  return [...best.values()].map((e) => ({
    agentId: e.agentId,
    experimentId: e.experimentId,
    reportedPgr: ladderValue(e.reportedPgr, step),
    experiments: experimentsOf.get(e.agentId) ?? 0,
  }));
}

/** The words a promotion outcome reaches agents as: a verdict, never its figures. */
export type AgentVerdict = 'verified' | 'accepted' | 'rejected' | 'inconclusive';

const VERDICT_WORDS: Record<string, AgentVerdict> = {
  verified: 'verified',
  accepted: 'accepted',
  rejected: 'rejected',
  failed_transfer: 'rejected',
  not_significant: 'inconclusive',
  failed: 'inconclusive',
};

/** The verdict word of a promotion state; null while it runs. */
export const verdictWord = (state: string): AgentVerdict | null => VERDICT_WORDS[state] ?? null;

/** The system's forum post of a promotion verdict: the experiment and the verdict word only. */
export function promotionVerdictPost(experimentId: string, state: string): { title: string; body: string } {
  const word = verdictWord(state) ?? 'inconclusive';
  return {
    title: `Promotion of ${experimentId}: ${word}`,
    body: `The promotion gate re-ran ${experimentId} on fresh seeds. Verdict: ${word}.`,
  };
}

/** One thing in agent-bound text that an agent may not see. */
export interface Leak {
  readonly kind: 'p-value' | 'interval' | 'private figure' | 'exact score' | 'finer than the Ladder';
  readonly fragment: string;
}

const PATTERNS: readonly [Leak['kind'], RegExp][] = [
  ['p-value', /\bp\s*(?:[=<>≤≥]|\\u003[ce])\s*[0-9.]|p-?values?\b|pValue/gi],
  ['interval', /interval|\bci(?:Low|High)\b|±/gi],
  ['interval', /\bCI\b/g],
  ['private figure', /private|held-?out task|heldOut\b/gi],
  [
    'exact score',
    /\b(?:meanPgr|pgrMean|pgrDifference|publicPgr|perSeed|vsNaive|vsBest|exactPgr)\b|"accuracy"\s*:/gi,
  ],
];
/** A number right after a mention of PGR (prose or a JSON key such as `reportedPgr`). */
const PGR_NUMBER = /pgr[^\n\d]{0,20}?([+-]?\d*\.?\d+(?:e[+-]?\d+)?)/gi;

const isMultiple = (x: number, step: number) => Math.abs(x / step - Math.round(x / step)) < 1e-6;

/**
 * Everything in `value` (text, or data as its JSON) that an agent may not see: p-values,
 * intervals, private-half and held-out figures, exact-score fields, and PGR figures finer than the
 * Ladder `step` (left unchecked when the step is unknown, i.e. nothing was scored yet). Seeds,
 * counts, settings and the Ladder values themselves pass.
 */
export function findLeaks(value: unknown, step: number | null): Leak[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value, null, 1);
  if (text === undefined) return [];
  const leaks: Leak[] = [];
  const around = (i: number, n: number) => text.slice(Math.max(0, i - 30), i + n + 30);
  for (const [kind, re] of PATTERNS)
    for (const m of text.matchAll(re)) leaks.push({ kind, fragment: around(m.index, m[0].length) });
  if (step !== null)
    for (const m of text.matchAll(PGR_NUMBER)) {
      const n = Number(m[1]);
      if (Number.isFinite(n) && !isMultiple(n, step))
        leaks.push({ kind: 'finer than the Ladder', fragment: around(m.index, m[0].length) });
    }
  return leaks;
}

/** Throws, naming each leak, when `value` holds something an agent may not see. For tests and guards. */
export function assertAgentSafe(value: unknown, step: number | null, where = 'agent-bound data'): void {
  const leaks = findLeaks(value, step);
  if (leaks.length > 0)
    throw new Error(
      `${where} carries what agents may not see: ${leaks.map((l) => `${l.kind} in "${l.fragment}"`).join('; ')}`,
    );
}

/** System-written text as an agent reads it: as is when safe, else withheld whole (operators keep it). */
export function agentText(text: string, step: number | null): string {
  return findLeaks(text, step).length === 0
    ? text
    : '(withheld: this text carried figures that only operators see)';
}
