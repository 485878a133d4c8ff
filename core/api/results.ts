import { type Static, Type } from 'typebox';
import { SeedScore } from './eval/submissions.js';
import { Nullable } from './nullable.js';

/** One scored experiment as a point of public PGR over time. */
export const PgrPoint = Type.Object({
  agentId: Type.String(),
  experimentId: Type.String(),
  at: Type.String(),
  reportedPgr: Type.Number(),
  pgrMean: Nullable(Type.Number()),
  ciLow: Nullable(Type.Number()),
  ciHigh: Nullable(Type.Number()),
});
export type PgrPoint = Static<typeof PgrPoint>;

/** `GET /v1/campaigns/:campaignId/pgr-series`. */
export const PgrSeries = Type.Object({ points: Type.Array(PgrPoint) });
export type PgrSeries = Static<typeof PgrSeries>;

/** An experiment's public score as the record keeps it: Ladder value, mean, interval, per seed. */
export const ExperimentScore = Type.Object({
  submissionId: Type.String(),
  reportedPgr: Nullable(Type.Number()),
  pgrMean: Nullable(Type.Number()),
  ciLow: Nullable(Type.Number()),
  ciHigh: Nullable(Type.Number()),
  perSeed: Type.Array(SeedScore),
});
export type ExperimentScore = Static<typeof ExperimentScore>;

/** One epoch of a run's training curve. */
export const CurvePoint = Type.Object({
  epoch: Type.Integer(),
  trainLoss: Nullable(Type.Number()),
  weakValAccuracy: Nullable(Type.Number()),
});
export type CurvePoint = Static<typeof CurvePoint>;

/** A run's stored result: timings, failure and training curve (never its predictions). */
export const RunResult = Type.Object({
  runId: Type.String(),
  experimentId: Type.String(),
  seed: Type.Integer(),
  status: Type.String(),
  curve: Type.Array(CurvePoint),
  weakValidationAccuracy: Nullable(Type.Number()),
  stoppedEpoch: Nullable(Type.Integer()),
  trainExamples: Nullable(Type.Integer()),
  wallSeconds: Type.Number(),
  device: Type.String(),
  failure: Nullable(Type.Object({ kind: Type.String(), message: Type.String() })),
  receivedAt: Type.String(),
});
export type RunResult = Static<typeof RunResult>;

/** `GET /v1/experiments/:experimentId/results`: the public score per seed and each run's result. */
export const ExperimentResults = Type.Object({
  score: Nullable(ExperimentScore),
  results: Type.Array(RunResult),
});
export type ExperimentResults = Static<typeof ExperimentResults>;

/** An experiment in a campaign export. */
export const ExportedExperiment = Type.Object({
  id: Type.String(),
  agentId: Type.String(),
  seq: Type.Integer(),
  status: Type.String(),
  hypothesis: Type.String(),
  seeds: Type.Array(Type.Integer()),
  noEval: Type.Boolean(),
  failureReason: Nullable(Type.String()),
  spec: Type.Unknown(),
  createdAt: Type.String(),
  finishedAt: Nullable(Type.String()),
  score: Nullable(ExperimentScore),
});
export type ExportedExperiment = Static<typeof ExportedExperiment>;

/** A run in a campaign export, with its result's figures as flat columns. */
export const ExportedRun = Type.Object({
  runId: Type.String(),
  experimentId: Type.String(),
  seed: Type.Integer(),
  attempt: Type.Integer(),
  executor: Type.String(),
  status: Type.String(),
  failureKind: Nullable(Type.String()),
  failureMessage: Nullable(Type.String()),
  wallSeconds: Nullable(Type.Number()),
  stoppedEpoch: Nullable(Type.Integer()),
  device: Nullable(Type.String()),
  publicAccuracy: Nullable(Type.Number()),
  publicPgr: Nullable(Type.Number()),
  createdAt: Type.String(),
  finishedAt: Nullable(Type.String()),
});
export type ExportedRun = Static<typeof ExportedRun>;

/** `GET /v1/campaigns/:campaignId/export`: everything recorded about a campaign's experiments and runs. */
export const CampaignExport = Type.Object({
  campaign: Type.Object({
    id: Type.String(),
    name: Type.String(),
    taskId: Type.String(),
    status: Type.String(),
    createdAt: Type.String(),
    finishedAt: Nullable(Type.String()),
  }),
  experiments: Type.Array(ExportedExperiment),
  runs: Type.Array(ExportedRun),
});
export type CampaignExport = Static<typeof CampaignExport>;
