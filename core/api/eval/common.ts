import { type Static, Type } from 'typebox';

/** Largest seed count an experiment may register (and a submission or comparison arm may carry). */
export const MAX_SEEDS = 64;

/** Task identifier, as in the experiment spec and the `tasks` table. */
export const TaskId = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
  description: 'Task identifier: lower-case letters, digits and dashes, at most 63 characters.',
});
/** Campaign and agent identifiers: no slash, since `x-aar-act-as` is `<campaignId>/<agentId>`. */
export const CampaignId = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  description: 'Campaign identifier: letters, digits, dot, dash, underscore; at most 64 characters.',
});
export const AgentId = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
  description: 'Agent identifier within its campaign: letters, digits, dot, dash, underscore.',
});
export const ExperimentId = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$',
  description: 'Experiment identifier: letters, digits, dot, dash, underscore, colon; at most 128.',
});
/** Server-chosen identifiers. */
export const SubmissionId = Type.String({ pattern: '^sub_[A-Za-z0-9_-]{8,64}$' });
export const TokenId = Type.String({ pattern: '^tok_[A-Za-z0-9_-]{8,64}$' });
/** An ISO-8601 time, as every route writes times. */
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO-8601 time.' });
/** A sha256 digest in lower-case hex. */
export const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });

/** Route params naming one resource. */
export const TaskParams = Type.Object({ taskId: TaskId }, { additionalProperties: false });
export const ExperimentParams = Type.Object({ experimentId: ExperimentId }, { additionalProperties: false });
export const SubmissionParams = Type.Object({ submissionId: SubmissionId }, { additionalProperties: false });
export const TokenParams = Type.Object({ tokenId: TokenId }, { additionalProperties: false });

/** An interval, such as a bootstrap 95 % interval. */
export const Interval = Type.Object({ low: Type.Number(), high: Type.Number() });
export type Interval = Static<typeof Interval>;
