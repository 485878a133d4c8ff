import type { Logger } from '../../../runtime/logger.js';
import type { DispatchMetrics } from '../../metrics.js';
import { ANNOTATIONS } from './job-identity.js';
import type { PendingState } from './job-status.js';
import type { K8sGateway } from './k8s-gateway.js';

/**
 * Reports a run whose pod has not run for longer than the limit, once per pending spell: the
 * `aar_runs_pending_too_long` gauge counts it while it lasts, a warning names the reason, and the
 * Job carries the `aar.dev/pending-too-long` annotation (what `kubectl describe` shows operators).
 */
export class PendingTracker {
  private reported = false;
  /** The last pending state seen while the trainer had not yet been seen running. */
  last: PendingState | undefined;

  constructor(
    private readonly deps: {
      readonly gateway: K8sGateway;
      readonly logger: Logger;
      readonly metrics: DispatchMetrics;
      readonly limitMs: number;
    },
    private readonly jobName: string,
    private readonly runId: string,
  ) {}

  get tooLong(): boolean {
    return this.reported;
  }

  /** Looks at the current state; true when it is pending past the limit. */
  async observe(state: PendingState | null, nowMs: number): Promise<boolean> {
    if (state === null) {
      await this.clear(true);
      return false;
    }
    this.last = state;
    const waitedMs = nowMs - state.sinceMs;
    if (waitedMs <= this.deps.limitMs) return false;
    if (!this.reported) {
      this.reported = true;
      this.deps.metrics.runsPendingTooLong.inc({ executor: 'k8s' });
      const waitedSeconds = Math.round(waitedMs / 1000);
      this.deps.logger.warn(
        { runId: this.runId, jobName: this.jobName, waitedSeconds, reason: state.reason },
        'run pending longer than the limit',
      );
      await this.annotate(`${waitedSeconds}s: ${state.reason}`.slice(0, 1000));
    }
    return true;
  }

  /** Ends the spell (the pod runs, or the run is over); `annotation` also removes the annotation. */
  async clear(annotation: boolean): Promise<void> {
    if (!this.reported) return;
    this.reported = false;
    this.deps.metrics.runsPendingTooLong.dec({ executor: 'k8s' });
    if (annotation) await this.annotate(null);
  }

  private async annotate(value: string | null): Promise<void> {
    try {
      await this.deps.gateway.annotateJob(this.jobName, { [ANNOTATIONS.pendingTooLong]: value });
    } catch (error) {
      this.deps.logger.warn({ jobName: this.jobName, err: String(error) }, 'could not annotate the Job');
    }
  }
}
