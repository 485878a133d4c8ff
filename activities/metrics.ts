import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The orchestrator's own metrics (never touched from workflow code, only from activities). */
export function createOrchestratorMetrics(registry: Registry) {
  return {
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
  };
}
export type DispatchMetrics = ReturnType<typeof createDispatchMetrics>;
