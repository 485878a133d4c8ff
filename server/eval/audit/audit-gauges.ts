import { Gauge, type Registry } from 'prom-client';
import type { AuditVerification } from '../../../core/api/eval/audit.js';
import type { Pool } from '../../../runtime/db.js';
import type { Logger } from '../../../runtime/logger.js';
import { verifyAudit } from './audit-repository.js';

/**
 * The gauges behind the audit alerts (k8s/observability/alert-rules.yaml). The eval server sets
 * them itself on a timer; `aar audit verify --metrics-file` writes the same names for a textfile
 * collector where the server's own metrics are not scraped.
 */
export const AUDIT_GAUGES = {
  chainOk: {
    name: 'aar_audit_chain_ok',
    help: '1 when the eval audit chain verified intact, 0 when a link is broken.',
  },
  entries: { name: 'aar_audit_entries', help: 'Audit entries checked by the last verification.' },
  lastVerified: {
    name: 'aar_audit_last_verified_timestamp_seconds',
    help: 'When the audit chain was last verified.',
  },
} as const;

type Verified = Pick<AuditVerification, 'ok' | 'entries'>;

function gaugeValues(v: Verified, nowMs: number): [keyof typeof AUDIT_GAUGES, number][] {
  return [
    ['chainOk', v.ok ? 1 : 0],
    ['entries', v.entries],
    ['lastVerified', Math.floor(nowMs / 1000)],
  ];
}

/** A verification as Prometheus text exposition (for a node-exporter textfile collector). */
export function auditMetricsText(v: Verified, nowMs = Date.now()): string {
  const lines = gaugeValues(v, nowMs).flatMap(([key, value]) => {
    const { name, help } = AUDIT_GAUGES[key];
    return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`];
  });
  return `${lines.join('\n')}\n`;
}

export interface AuditVerifier {
  /** Resolves once the verification in progress (if any) has finished; no new one starts. */
  stop(): Promise<void>;
}

/**
 * Recomputes the whole chain now and then every `intervalMs`, one verification at a time, and
 * publishes the result on `registry`. A verification that cannot run (database down) is logged
 * and leaves the gauges as they were, so the "not verified lately" alert fires if it persists.
 */
export function startAuditVerifier(deps: {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly intervalMs: number;
}): AuditVerifier {
  const gauges = Object.fromEntries(
    Object.entries(AUDIT_GAUGES).map(([key, g]) => [key, new Gauge({ ...g, registers: [deps.registry] })]),
  ) as Record<keyof typeof AUDIT_GAUGES, Gauge>;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const verifyOnce = async () => {
    try {
      const result = await verifyAudit(deps.pool);
      for (const [key, value] of gaugeValues(result, Date.now())) gauges[key].set(value);
      if (!result.ok)
        deps.logger.error(
          { firstBrokenSeq: result.firstBrokenSeq, reason: result.reason, entries: result.entries },
          'audit chain broken',
        );
    } catch (error) {
      deps.logger.warn({ err: error }, 'audit chain verification could not run');
    }
  };
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = verifyOnce().then(() => schedule(deps.intervalMs));
    }, delayMs);
    timer.unref();
  };
  schedule(0);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
