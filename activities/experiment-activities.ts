import { ApplicationFailure } from '@temporalio/activity';
import { TRAINER_EXIT_CODES } from '../core/result-bundle.js';
import type { Pool } from '../runtime/db.js';
import type { Logger } from '../runtime/logger.js';
import type {
  ExperimentInput,
  ExperimentOutcome,
  ReportedScore,
  SeedRunSummary,
} from '../workflows/definitions.js';
import type { EvalClient } from './eval/eval-client.js';
import type { OrchestratorMetrics } from './metrics.js';
import { findExperiment, markExperimentFinished, markExperimentRunning } from './store/experiments.js';
import { campaignLeaderboard, insertReceipt } from './store/receipts.js';
import { ensureRun, findResultSummary, findRun, finishRun, loadResultBundles } from './store/runs.js';

export interface ExperimentActivityDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly eval: EvalClient;
  readonly metrics: OrchestratorMetrics;
}

const EXIT_KIND = new Map<number, string>(
  Object.entries(TRAINER_EXIT_CODES).map(([kind, code]) => [code, kind === 'succeeded' ? 'internal' : kind]),
);

/** Activities of the experiment workflow: the run records, result collection and the eval submission. */
export function createExperimentActivities(deps: ExperimentActivityDeps) {
  return {
    /** Marks the experiment running and registers it with the eval server (seeds expected, no-eval flag). */
    async startExperiment(input: ExperimentInput): Promise<void> {
      await markExperimentRunning(deps.pool, input.experimentId);
      await deps.eval.registerExperiment({
        experimentId: input.experimentId,
        campaignId: input.campaignId,
        agentId: input.agentId,
        taskId: input.taskId,
        seeds: input.seeds.length,
        noEval: input.noEval,
      });
    },

    async createRun(input: {
      runId: string;
      experimentId: string;
      seed: number;
      attempt: number;
      executor: string;
    }) {
      await ensureRun(deps.pool, input);
    },

    async failRun(input: { runId: string; kind: string; message: string }): Promise<void> {
      await finishRun(deps.pool, input.runId, 'failed', { kind: input.kind, message: input.message });
    },

    /**
     * Decides how a run ended once its process or Job is gone: the uploaded result bundle when one
     * arrived, else the trainer's exit code, else "lost". Marks the run and returns its verdict.
     */
    async collectRun(input: {
      runId: string;
      exitCode: number | null;
      lost: boolean;
      /** Measured by the executor (process or pod start to end), never taken from the upload. */
      wallSeconds: number;
      /** GPUs the run held (the spec's request); GPU-seconds are wall seconds times these, at least 1. */
      gpus?: number;
      /** What the executor saw (pod OOMKilled, evicted, ...); used when no result bundle arrived. */
      failure?: { kind: string; message: string; detail?: string };
    }): Promise<{
      status: 'succeeded' | 'failed';
      failureKind: string;
      gpuSeconds: number;
    }> {
      const result = await findResultSummary(deps.pool, input.runId);
      // The uploaded bundle's own wallSeconds is not used: only the executor's figure is trusted.
      const gpuSeconds = input.wallSeconds * Math.max(1, input.gpus ?? 1);
      if (result?.status === 'succeeded') {
        await finishRun(deps.pool, input.runId, 'succeeded', null);
        return { status: 'succeeded', failureKind: '', gpuSeconds };
      }
      const failure =
        result?.failure ??
        input.failure ??
        (input.lost
          ? {
              kind: 'internal',
              message: 'the trainer process vanished without an exit status (machine restart or kill)',
            }
          : input.exitCode === 0
            ? {
                kind: 'internal',
                message: 'the trainer exited 0 but no result bundle arrived at the api server',
              }
            : {
                kind: EXIT_KIND.get(input.exitCode ?? -1) ?? 'internal',
                message: `the trainer exited with code ${input.exitCode} and uploaded no result bundle`,
              });
      await finishRun(deps.pool, input.runId, 'failed', {
        kind: failure.kind,
        message: failure.message,
        ...('detail' in failure && failure.detail !== undefined ? { detail: failure.detail } : {}),
      });
      return { status: 'failed', failureKind: failure.kind, gpuSeconds };
    },

    /** The recorded failure of a run in one sentence, for an experiment's reason. */
    async describeRunFailure(runId: string): Promise<string> {
      const run = await findRun(deps.pool, runId);
      if (run?.failure) return `${run.failure.kind}: ${run.failure.message}`.slice(0, 2000);
      return `run ${runId} failed`;
    },

    /**
     * Submits the seeds of an experiment to the eval server as one submission, acting as its agent
     * (the idempotency key is the experiment id, so a retry is not counted twice), and stores the
     * receipt. Returns only the Ladder view the agent is allowed to see.
     */
    async submitExperiment(input: {
      experimentId: string;
      campaignId: string;
      agentId: string;
      runIds: string[];
    }): Promise<ReportedScore> {
      const bundles = await loadResultBundles(deps.pool, input.runIds);
      const submission = await deps.eval.submit(
        { campaignId: input.campaignId, agentId: input.agentId },
        {
          experimentId: input.experimentId,
          idempotencyKey: input.experimentId,
          seeds: bundles.map((b) => {
            if (b.predictions === undefined)
              throw ApplicationFailure.nonRetryable(`run of seed ${b.seed} has no predictions`);
            return { seed: b.seed, probabilities: b.predictions };
          }),
        },
      );
      const publicScore = await deps.eval.publicScore(submission.submissionId);
      await insertReceipt(deps.pool, {
        experimentId: input.experimentId,
        submissionId: submission.submissionId,
        publicScore: { reported: submission, public: publicScore },
      });
      const best = (await campaignLeaderboard(deps.pool, input.campaignId))[0];
      if (best)
        deps.metrics.campaignBestPgr.set({ campaign: input.campaignId }, best.pgrMean ?? best.reportedPgr);
      return submission;
    },

    async finishExperiment(input: {
      experimentId: string;
      status: ExperimentOutcome['status'];
      reason?: string;
      score?: ReportedScore;
      gpuSeconds: number;
      runs: SeedRunSummary[];
    }): Promise<ExperimentOutcome> {
      await markExperimentFinished(deps.pool, input.experimentId, input.status, input.reason ?? null);
      const experiment = await findExperiment(deps.pool, input.experimentId);
      deps.metrics.experiments.inc({ outcome: input.status });
      if (experiment) {
        deps.metrics.campaignGpuSeconds.inc({ campaign: experiment.campaignId }, input.gpuSeconds);
        const started = Date.parse(experiment.createdAt);
        deps.metrics.experimentDuration.observe((Date.now() - started) / 1000);
      }
      deps.logger.info({ experimentId: input.experimentId, status: input.status }, 'experiment finished');
      return {
        experimentId: input.experimentId,
        status: input.status,
        ...(input.reason ? { reason: input.reason } : {}),
        ...(input.score ? { score: input.score } : {}),
        gpuSeconds: input.gpuSeconds,
        runs: input.runs,
      };
    },
  };
}
