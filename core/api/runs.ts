import { type Static, Type } from 'typebox';

/** `POST /v1/runs/:runId/started`: the run whose start was recorded. */
export const RunStarted = Type.Object({ runId: Type.String() });
export type RunStarted = Static<typeof RunStarted>;

/** `POST /v1/runs/:runId/result`: the bundle stored, or the same one already stored (a retried upload). */
export const ResultStored = Type.Object({
  runId: Type.String(),
  outcome: Type.Union([Type.Literal('stored'), Type.Literal('duplicate')]),
});
export type ResultStored = Static<typeof ResultStored>;
