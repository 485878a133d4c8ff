import type { ReportedScore } from '../../workflows/definitions.js';

/** What the orchestrator asks of the eval server. The only implementation speaks HTTP to it. */
export interface EvalClient {
  registerExperiment(input: {
    experimentId: string;
    campaignId: string;
    agentId: string;
    taskId: string;
    seeds: number;
    noEval: boolean;
  }): Promise<void>;
  /** Submits as the agent (admin token + act-as), returning the agent's Ladder view. */
  submit(
    as: { campaignId: string; agentId: string },
    body: {
      experimentId: string;
      idempotencyKey: string;
      seeds: { seed: number; probabilities: number[][] }[];
    },
  ): Promise<ReportedScore>;
  /** The full public-half score of a submission (per-seed, mean, interval), for operators' record. */
  publicScore(submissionId: string): Promise<unknown>;
  /** The task bundle's bytes and their SHA-256, for executors. */
  taskBundle(taskId: string): Promise<{ bytes: Buffer; sha256: string }>;
}
