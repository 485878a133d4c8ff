import { Gauge, type Registry } from 'prom-client';
import { activeCampaignProgress } from '../../../activities/store/campaigns.js';
import { pendingRunsHealth } from '../../../activities/store/runs.js';
import type { Pool } from '../../../runtime/db.js';

/**
 * Gauges read from the record at scrape time, for the alerts no single worker can raise: runs
 * that wait too long for a slot or a GPU, and campaigns that stopped making progress. The api
 * server exports them (one process, always up); a scrape costs two small queries.
 */
export function registerRecordMetrics(registry: Registry, pool: Pool): void {
  new Gauge({
    name: 'aar_record_runs_pending',
    help: 'Trainer runs recorded but not started (waiting for an executor slot or a GPU).',
    registers: [registry],
    async collect() {
      this.set((await pendingRunsHealth(pool)).pending);
    },
  });
  new Gauge({
    name: 'aar_record_oldest_pending_run_age_seconds',
    help: 'How long the oldest pending trainer run has waited to start (0 when none waits).',
    registers: [registry],
    async collect() {
      this.set((await pendingRunsHealth(pool)).oldestPendingSeconds);
    },
  });
  new Gauge({
    name: 'aar_record_campaign_last_progress_timestamp_seconds',
    help: 'Per running or paused campaign: when its last experiment finished (its start when none has).',
    labelNames: ['campaign', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await activeCampaignProgress(pool)) {
        this.set({ campaign: c.campaignId, status: c.status }, c.lastProgressAt.getTime() / 1000);
      }
    },
  });
}
