import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Outcomes of `POST /v1/submissions`; a bounded label set. */
export const SUBMISSION_OUTCOMES = [
  'accepted',
  'replayed',
  'invalid',
  'unauthorized',
  'forbidden',
  'not_found',
  'task_expired',
  'no_eval_violation',
  'budget_exhausted',
  'conflict',
  'rate_limited',
  'error',
] as const;
export type SubmissionOutcome = (typeof SUBMISSION_OUTCOMES)[number];

/** The eval server's own metrics, registered on the process registry. */
export interface EvalMetrics {
  readonly submissions: Counter<'outcome'>;
  readonly scoringSeconds: Histogram<string>;
  readonly intervalSeconds: Histogram<'when'>;
  readonly intervalsPending: Gauge<string>;
  readonly budgetRefusals: Counter<'window'>;
  readonly probeFlags: Counter<string>;
  readonly violations: Counter<'kind'>;
  readonly auditFailures: Counter<string>;
}

/** Creates the eval metrics on `registry` (one set per app). */
export function createEvalMetrics(registry: Registry): EvalMetrics {
  const registers = [registry];
  return {
    submissions: new Counter({
      name: 'aar_eval_submissions_total',
      help: 'Submission requests by outcome.',
      labelNames: ['outcome'],
      registers,
    }),
    scoringSeconds: new Histogram({
      name: 'aar_eval_scoring_duration_seconds',
      help: 'Time to validate and score one submission exactly (both halves, in a scoring worker; bootstrap intervals come later).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    intervalSeconds: new Histogram({
      name: 'aar_eval_interval_duration_seconds',
      help: "Time to compute one submission's bootstrap intervals (both halves), deferred or for a reader now.",
      labelNames: ['when'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    intervalsPending: new Gauge({
      name: 'aar_eval_intervals_pending',
      help: 'Submissions of this process whose bootstrap intervals are queued or being computed.',
      registers,
    }),
    budgetRefusals: new Counter({
      name: 'aar_eval_budget_refusals_total',
      help: 'Submissions refused for an exhausted budget, by window (hour or campaign).',
      labelNames: ['window'],
      registers,
    }),
    probeFlags: new Counter({
      name: 'aar_eval_probe_flags_total',
      help: 'Submissions flagged as probes of an earlier submission of the same agent.',
      registers,
    }),
    violations: new Counter({
      name: 'aar_eval_violations_total',
      help: 'Recorded violations by kind.',
      labelNames: ['kind'],
      registers,
    }),
    auditFailures: new Counter({
      name: 'aar_eval_audit_append_failures_total',
      help: 'Audit entries that could not be appended (the request was answered anyway).',
      registers,
    }),
  };
}

/** The metric outcome of a submission request from its status and error code. */
export function submissionOutcome(status: number, code: string | null): SubmissionOutcome {
  if (status === 201) return 'accepted';
  if (status === 200) return 'replayed';
  if (status === 401) return 'unauthorized';
  if (code === 'no_eval_violation') return 'no_eval_violation';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (code === 'rate_limited') return 'rate_limited';
  if (status === 410) return 'task_expired';
  if (status === 429) return 'budget_exhausted';
  if (status === 409) return 'conflict';
  if (status === 400 || status === 413 || status === 415) return 'invalid';
  return 'error';
}
