import { type Static, Type } from 'typebox';

/** Route params naming an experiment (`/v1/experiments/:experimentId`). */
export const ExperimentParams = Type.Object({
  experimentId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,200}$' }),
});

/** An experiment as recorded: hypothesis, spec, seeds, status, and the Ladder PGR it got. */
export const Experiment = Type.Object({
  id: Type.String(),
  campaignId: Type.String(),
  agentId: Type.String(),
  seq: Type.Integer(),
  hypothesis: Type.String(),
  spec: Type.Unknown(),
  seeds: Type.Array(Type.Integer()),
  noEval: Type.Boolean(),
  status: Type.String(),
  failureReason: Type.Union([Type.String(), Type.Null()]),
  analysis: Type.Union([Type.String(), Type.Null()]),
  reportedPgr: Type.Union([Type.Number(), Type.Null()]),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});
export type Experiment = Static<typeof Experiment>;

/** One run of an experiment: a seed and attempt on an executor. */
export const Run = Type.Object({
  id: Type.String(),
  seed: Type.Integer(),
  attempt: Type.Integer(),
  executor: Type.String(),
  externalId: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  failure: Type.Union([Type.Object({ kind: Type.String(), message: Type.String() }), Type.Null()]),
  createdAt: Type.String(),
  startedAt: Type.Union([Type.String(), Type.Null()]),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
});
export type Run = Static<typeof Run>;

/** One agent on the campaign leaderboard: its best public PGR, 95 % interval and experiment. */
export const LeaderboardRow = Type.Object({
  agentId: Type.String(),
  experimentId: Type.String(),
  reportedPgr: Type.Number(),
  pgrMean: Type.Union([Type.Number(), Type.Null()]),
  ciLow: Type.Union([Type.Number(), Type.Null()]),
  ciHigh: Type.Union([Type.Number(), Type.Null()]),
  experiments: Type.Integer(),
});
export type LeaderboardRow = Static<typeof LeaderboardRow>;

/** `GET /v1/campaigns/:campaignId/experiments`. */
export const ExperimentList = Type.Object({ experiments: Type.Array(Experiment) });
export type ExperimentList = Static<typeof ExperimentList>;

/** `GET /v1/experiments/:experimentId`: the experiment and its runs (one per seed and attempt). */
export const ExperimentWithRuns = Type.Object({ experiment: Experiment, runs: Type.Array(Run) });
export type ExperimentWithRuns = Static<typeof ExperimentWithRuns>;

/** `GET /v1/campaigns/:campaignId/leaderboard`. */
export const Leaderboard = Type.Object({ leaderboard: Type.Array(LeaderboardRow) });
export type Leaderboard = Static<typeof Leaderboard>;
