import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Model API spend, counted once per recorded response. Get-or-create, so the orchestrator's
 * metrics and the Claude policy share the counters when they share a registry.
 */
export function modelMetrics(registry: Registry) {
  const existing = (name: string) => registry.getSingleMetric(name);
  return {
    tokens: (existing('aar_model_tokens_total') ??
      new Counter({
        name: 'aar_model_tokens_total',
        help: 'Model API tokens recorded in the ledger, by kind (input, output, cache_read, cache_write).',
        labelNames: ['kind'],
        registers: [registry],
      })) as Counter<'kind'>,
    cost: (existing('aar_model_cost_dollars_total') ??
      new Counter({
        name: 'aar_model_cost_dollars_total',
        help: 'Model API spend in US dollars, priced from the price table.',
        registers: [registry],
      })) as Counter,
    requests: (existing('aar_model_requests_total') ??
      new Counter({
        name: 'aar_model_requests_total',
        help: 'Messages API calls by outcome (ok, transient error after retries, rejected, budget pause).',
        labelNames: ['outcome'],
        registers: [registry],
      })) as Counter<'outcome'>,
  };
}
export type ModelMetrics = ReturnType<typeof modelMetrics>;

/** The orchestrator's own metrics (never touched from workflow code, only from activities). */
export function createOrchestratorMetrics(registry: Registry) {
  return {
    model: modelMetrics(registry),
    experiments: new Counter({
      name: 'aar_experiments_total',
      help: 'Experiments finished, by outcome (scored, unscored, failed, invalid, cancelled).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    experimentDuration: new Histogram({
      name: 'aar_experiment_duration_seconds',
      help: 'Wall time from an experiment starting to its outcome being recorded.',
      buckets: [5, 15, 30, 60, 120, 300, 900, 1800, 3600, 7200, 21_600],
      registers: [registry],
    }),
    campaignBestPgr: new Gauge({
      name: 'aar_campaign_best_pgr',
      help: 'Best public PGR (mean over seeds) of a running campaign.',
      labelNames: ['campaign'],
      registers: [registry],
    }),
    campaignBudgetUsed: new Gauge({
      name: 'aar_campaign_budget_used_ratio',
      help: 'Fraction of the tightest campaign budget used (experiments, GPU-hours or deadline).',
      labelNames: ['campaign'],
      registers: [registry],
    }),
    integrityFlags: new Counter({
      name: 'aar_integrity_flags_total',
      help: 'Integrity flags raised, by kind (shortcuts, discrepancies, eval probe flags and violations).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    dependencyUnavailable: new Counter({
      name: 'aar_dependency_unavailable_total',
      help: 'Activity attempts that found a service they need unreachable and wait to try again, by dependency (database, eval_server, temporal). Rising: work is waiting, not failing.',
      labelNames: ['dependency'],
      registers: [registry],
    }),
    campaignGpuSeconds: new Counter({
      name: 'aar_campaign_gpu_seconds_total',
      help: 'Device seconds spent by trainer runs, per campaign.',
      labelNames: ['campaign'],
      registers: [registry],
    }),
  };
}
export type OrchestratorMetrics = ReturnType<typeof createOrchestratorMetrics>;

/** The dispatch worker's metrics: how long runs wait for a slot and how long they train. */
export function createDispatchMetrics(registry: Registry) {
  return {
    runQueueSeconds: new Histogram({
      name: 'aar_run_queue_seconds',
      help: 'Time from a run being scheduled to its trainer process (or pod) starting.',
      labelNames: ['executor'],
      buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
      registers: [registry],
    }),
    runDuration: new Histogram({
      name: 'aar_run_duration_seconds',
      help: 'Trainer run wall time, by executor and exit code class.',
      labelNames: ['executor', 'result'],
      buckets: [1, 5, 10, 30, 60, 300, 900, 3600, 14_400],
      registers: [registry],
    }),
    runsAdopted: new Counter({
      name: 'aar_runs_adopted_total',
      help: 'Runs a retried activity found already launched and re-attached to instead of launching again.',
      labelNames: ['executor'],
      registers: [registry],
    }),
    runsLaunched: new Counter({
      name: 'aar_runs_launched_total',
      help: 'Trainer processes or Jobs launched.',
      labelNames: ['executor'],
      registers: [registry],
    }),
    runsPendingTooLong: new Gauge({
      name: 'aar_runs_pending_too_long',
      help: 'Runs whose pod has waited (unscheduled, queued or pulling) longer than the pending limit, now.',
      labelNames: ['executor'],
      registers: [registry],
    }),
    podFailures: new Counter({
      name: 'aar_run_pod_failures_total',
      help: 'Trainer pods that ended without success, by reason (OOMKilled, Evicted, Preempted, ImagePullBackOff, DeadlineExceeded, Error, ...).',
      labelNames: ['executor', 'reason'],
      registers: [registry],
    }),
    watchRestarts: new Counter({
      name: 'aar_k8s_watch_restarts_total',
      help: 'Restarts of the Job and Pod informers after a watch error.',
      labelNames: ['resource'],
      registers: [registry],
    }),
  };
}
export type DispatchMetrics = ReturnType<typeof createDispatchMetrics>;
