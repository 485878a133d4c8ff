import { type Static, Type } from 'typebox';
import { OperatorRole } from '../operator-roles.js';

/** `GET /v1/session`: who is asking, how, and where the Temporal UI is. */
export const Session = Type.Object({
  via: Type.Union([Type.Literal('bearer'), Type.Literal('cookie')]),
  operator: Type.Object({ id: Type.String(), name: Type.String(), role: OperatorRole }),
  temporalUiUrl: Type.String(),
  namespace: Type.String(),
});
export type Session = Static<typeof Session>;

/** `POST /v1/session`: the dashboard session opened (its cookie is in the answer's headers). */
export const SessionOpened = Type.Object({ expiresAt: Type.String(), operator: Session.properties.operator });
export type SessionOpened = Static<typeof SessionOpened>;

/** `DELETE /v1/session`. */
export const LoggedOut = Type.Object({ loggedOut: Type.Literal(true) });
export type LoggedOut = Static<typeof LoggedOut>;

/** `GET /v1/runs/:runId/logs`: the tail of one stream of a run's logs. */
export const RunLog = Type.Object({
  runId: Type.String(),
  stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr'), Type.Literal('student')]),
  text: Type.String(),
  lines: Type.Integer(),
  truncated: Type.Boolean({ description: 'True when earlier lines of the log were left out.' }),
});
export type RunLog = Static<typeof RunLog>;

/** `POST /v1/campaigns/:campaignId/retry-failed`: the retries started (or, dry, planned) and refused. */
export const RetryAnswer = Type.Object({
  dryRun: Type.Boolean(),
  retried: Type.Array(
    Type.Object({
      experimentId: Type.String({ description: 'The failed experiment (the original or its latest retry).' }),
      retryId: Type.String(),
      agentId: Type.String(),
      workflowId: Type.String(),
      started: Type.Boolean({ description: 'False when that retry was already running.' }),
    }),
  ),
  refused: Type.Array(Type.Object({ experimentId: Type.String(), reason: Type.String() })),
});
export type RetryAnswer = Static<typeof RetryAnswer>;

/** A workflow reset (Temporal reset) to the last good point before its first failure. */
export const ResetAnswer = Type.Object({
  workflowId: Type.String(),
  runId: Type.String({ description: 'The run that was reset (terminated when it was still running).' }),
  eventId: Type.Integer({ description: 'The WorkflowTaskCompleted event the new run starts after.' }),
  failure: Type.Union([
    Type.Object({ eventId: Type.Integer(), kind: Type.String(), message: Type.String() }),
    Type.Null(),
  ]),
  newRunId: Type.Union([Type.String(), Type.Null()], { description: 'Null for a dry run.' }),
  temporalUrl: Type.String(),
});
export type ResetAnswer = Static<typeof ResetAnswer>;
