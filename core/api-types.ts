/** The api server's answers as its readers (the dashboard and the `aar` CLI) see them: one definition for both. */

export interface Agent {
  id: string;
  policy: string;
  direction: string;
  state: string;
  detail: string | null;
  currentHypothesis: string | null;
  currentExperimentId: string | null;
  experiments: { done: number; running: number; failed: number; queued?: number };
  best: { pgr: number; experimentId: string } | null;
  gpuSeconds: number;
  workflowId: string;
  live: boolean;
}

export interface CampaignView {
  id: string;
  name: string;
  taskId: string;
  status: string;
  createdAt: string;
  finishedAt: string | null;
  workflowId: string;
  temporalUrl: string;
  paused: boolean;
  stopping: string | null;
  budget: {
    limits: unknown;
    perAgent?: unknown;
    experimentsGranted: number;
    gpuHours: number;
    fractionUsed: number;
  };
  agents: Agent[];
}

export interface LeaderboardRow {
  agentId: string;
  experimentId: string;
  reportedPgr: number;
  pgrMean: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  experiments: number;
}

export interface PgrPoint {
  agentId: string;
  experimentId: string;
  at: string;
  reportedPgr: number;
  pgrMean: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

export interface Post {
  id: number;
  campaignId: string;
  parentId: number | null;
  authorKind: string;
  authorId: string;
  kind: string;
  title: string;
  body: string;
  experimentIds: string[];
  createdAt: string;
}
export type Thread = Post & { replies: number };

export interface Snapshot {
  at: string;
  campaign: CampaignView;
  leaderboard: LeaderboardRow[];
  series: PgrPoint[];
  threads: Thread[];
}

export interface Experiment {
  id: string;
  campaignId: string;
  agentId: string;
  seq: number;
  hypothesis: string;
  spec: unknown;
  seeds: number[];
  noEval: boolean;
  status: string;
  failureReason: string | null;
  analysis: string | null;
  reportedPgr: number | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface Run {
  id: string;
  seed: number;
  attempt: number;
  executor: string;
  externalId: string | null;
  status: string;
  failure: { kind: string; message: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface RunResult {
  runId: string;
  seed: number;
  status: string;
  curve: { epoch: number; trainLoss: number | null; weakValAccuracy: number | null }[];
  weakValidationAccuracy: number | null;
  stoppedEpoch: number | null;
  trainExamples: number | null;
  wallSeconds: number;
  device: string;
  failure: { kind: string; message: string } | null;
}

export interface ExperimentResults {
  score: {
    submissionId: string;
    reportedPgr: number | null;
    pgrMean: number | null;
    ciLow: number | null;
    ciHigh: number | null;
    perSeed: { seed: number; accuracy: number; pgr: number }[];
  } | null;
  results: RunResult[];
}
