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
  /**
   * The promotion gate's comparison: arms run on the same fresh seeds, scored on a split by a
   * paired bootstrap inside the eval server. Returns the server's numbers (never labels).
   */
  compare(request: {
    taskId: string;
    split: 'public' | 'private' | 'all';
    candidate: string;
    arms: Record<string, { seeds: { seed: number; probabilities: number[][] }[] }>;
  }): Promise<ComparisonAnswer>;
  /** The eval server's violations and probe flags for one agent of a campaign. */
  violations(campaignId: string, agentId: string): Promise<EvalViolation[]>;
  /** The task bundle's bytes and their SHA-256, for executors. */
  taskBundle(taskId: string): Promise<{ bytes: Buffer; sha256: string }>;
}

/** What the eval server answers to a comparison (see server/eval/comparisons/schemas.ts). */
export interface ComparisonAnswer {
  readonly taskId: string;
  readonly examples: number;
  readonly seeds: number[];
  readonly arms: Record<
    string,
    { meanAccuracy: number; meanPgr: number; perSeed: { seed: number; accuracy: number; pgr: number }[] }
  >;
  readonly comparisons: Record<
    string,
    {
      pgrDifference: number;
      pgrInterval: { low: number; high: number };
      pValue: number;
      accuracyDifference: number;
    }
  >;
}

/** A violation or probe flag the eval server recorded (see server/eval/violations). */
export interface EvalViolation {
  readonly id: number;
  readonly kind: 'no_eval' | 'budget_exhausted' | 'probe';
  readonly experimentId: string | null;
  readonly submissionId: string | null;
  readonly detail: Record<string, string | number | boolean | null>;
}
