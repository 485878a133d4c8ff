/** The gate's decision from the comparisons, and the sentence that explains it. */
export interface VerdictInput {
  readonly threshold: number;
  readonly alpha: number;
  readonly candidatesTested: number;
  readonly vsNaive: { readonly pgrDifference: number; readonly pValue: number };
  readonly vsBest?: { readonly pgrDifference: number; readonly pValue: number };
  readonly heldOutVsNaive?: { readonly pgrDifference: number; readonly pValue: number };
}

export type Verdict = 'verified' | 'not_significant' | 'failed_transfer';

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;

/**
 * A candidate is verified when, on fresh seeds, it beats the naive baseline and the previous best
 * on the private half, and the naive baseline on the held-out task, each with a one-sided p-value
 * below alpha divided by the number of candidates tested in the campaign (Bonferroni).
 */
export function decideVerdict(input: VerdictInput): { verdict: Verdict; reason: string } {
  const bar = `p < ${input.threshold.toPrecision(2)} (alpha ${input.alpha} / ${input.candidatesTested} candidate${input.candidatesTested === 1 ? '' : 's'})`;
  const line = (what: string, c: { pgrDifference: number; pValue: number }) =>
    `${what}: ${signed(c.pgrDifference)} PGR, p = ${c.pValue.toPrecision(2)}`;
  if (input.vsNaive.pValue >= input.threshold) {
    return {
      verdict: 'not_significant',
      reason: `${line('private half vs naive', input.vsNaive)}; needs ${bar}`,
    };
  }
  if (input.vsBest && input.vsBest.pValue >= input.threshold) {
    return {
      verdict: 'not_significant',
      reason: `${line('private half vs previous best', input.vsBest)}; needs ${bar}`,
    };
  }
  if (input.heldOutVsNaive && input.heldOutVsNaive.pValue >= input.threshold) {
    return {
      verdict: 'failed_transfer',
      reason: `${line('private half vs naive', input.vsNaive)} passes, but ${line('held-out task vs naive', input.heldOutVsNaive)}; needs ${bar}`,
    };
  }
  const parts = [line('private half vs naive', input.vsNaive)];
  if (input.vsBest) parts.push(line('vs previous best', input.vsBest));
  if (input.heldOutVsNaive) parts.push(line('held-out task vs naive', input.heldOutVsNaive));
  else parts.push('no held-out task configured: transfer not checked');
  return { verdict: 'verified', reason: `${parts.join('; ')}; all ${bar}` };
}
