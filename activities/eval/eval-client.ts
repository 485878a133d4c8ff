import type { ComparisonRequest, ComparisonResult } from '../../core/api/eval/comparisons.js';
import type { ExperimentRegistration } from '../../core/api/eval/experiments.js';
import type { SplitScore, SubmissionRequest } from '../../core/api/eval/submissions.js';
import type { Violation } from '../../core/api/eval/violations.js';
import type { ReportedScore } from '../../workflows/definitions.js';

/** What the orchestrator asks of the eval server. The only implementation speaks HTTP to it. */
export interface EvalClient {
  registerExperiment(input: { experimentId: string } & ExperimentRegistration): Promise<void>;
  /** Submits as the agent (admin token + act-as), returning the agent's Ladder view. */
  submit(as: { campaignId: string; agentId: string }, body: SubmissionRequest): Promise<ReportedScore>;
  /** The full public-half score of a submission (per-seed, mean, interval), for operators' record. */
  publicScore(submissionId: string): Promise<SplitScore | null>;
  /**
   * The promotion gate's comparison: arms run on the same fresh seeds, scored on a split by a
   * paired bootstrap inside the eval server (with its default replicates). Returns the server's
   * numbers (never labels).
   */
  compare(request: Omit<ComparisonRequest, 'replicates'>): Promise<ComparisonResult>;
  /** The eval server's violations and probe flags for one agent of a campaign. */
  violations(campaignId: string, agentId: string): Promise<Violation[]>;
  /** The task bundle's bytes and their SHA-256, for executors. */
  taskBundle(taskId: string): Promise<{ bytes: Buffer; sha256: string }>;
}
