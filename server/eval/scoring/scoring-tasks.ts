import Fastify from 'fastify';
import { SubmissionRequest } from '../../../core/api/eval/submissions.js';
import { argmaxFlatRows } from '../../../core/pgr.js';
import { jsonDeeperThan } from '../../http/json-depth.js';
import { validatorCompiler } from '../../http/validator.js';
import { matrixPayloadSha256 } from '../submissions/payload-hash.js';
import {
  type ExactSplitScore,
  exactScore,
  type Half,
  type ScoringLabels,
  type SeedClasses,
  type SplitIntervals,
  splitIntervals,
} from '../submissions/score.js';
import { type SeedMatrix, toSeedMatrix } from '../submissions/seed-matrix.js';
import { matrixProblems, type PredictionShape, type Problem } from '../submissions/validate-predictions.js';

/**
 * The CPU-heavy steps of scoring a submission, as pure functions of plain data: what the scoring
 * workers run (`scoring-worker.ts`) and what tests run in-thread to compare. Nothing here touches
 * the database or the network.
 */

/** A submission body read in a worker: parsed, validated against its schema, matrices and hash. */
export interface ParsedSubmission {
  readonly kind: 'parsed';
  readonly experimentId: string;
  readonly idempotencyKey: string;
  readonly seeds: SeedMatrix[];
  readonly payloadSha256: string;
}

/**
 * A JSON body that failed the route's schema: the validator's errors, beside the body's top-level
 * string fields that the audit hook copies as references (`REF_BODY` of `audit/audit-hook.ts`), so
 * the audit entry of an invalid submission names what it named when the app parsed bodies itself.
 */
export type InvalidSubmission = {
  readonly kind: 'invalid';
  readonly errors: { readonly instancePath: string; readonly message: string }[];
} & { readonly [field in AuditRefField]?: string };

const AUDIT_REF_FIELDS = [
  'experimentId',
  'idempotencyKey',
  'campaignId',
  'agentId',
  'taskId',
  'role',
] as const;
type AuditRefField = (typeof AUDIT_REF_FIELDS)[number];

/** A body refused before any schema: nested too deep, empty, or not JSON (Fastify's error code). */
export interface RefusedSubmission {
  readonly kind: 'refused';
  readonly reason: 'too_deep' | 'FST_ERR_CTP_EMPTY_JSON_BODY' | 'FST_ERR_CTP_INVALID_JSON_BODY';
}

export type SubmissionBody = ParsedSubmission | InvalidSubmission | RefusedSubmission;

// Fastify's own JSON parser (prototype and constructor poisoning refused), as the app's is.
const parseJson = Fastify().getDefaultJsonParser('error', 'error');
const validateBody = validatorCompiler({
  schema: SubmissionRequest,
  httpPart: 'body',
  method: 'POST',
  url: '/v1/submissions',
}) as (value: unknown) => { value?: unknown; error?: InvalidSubmission['errors'] };

/**
 * Reads a `POST /v1/submissions` body as the app would (depth limit, Fastify's JSON parser, the
 * route's schema with the same validator), then turns each seed's rows into a matrix and hashes
 * the payload.
 */
export function parseSubmission(input: { body: Uint8Array; maxJsonDepth: number }): SubmissionBody {
  const text = Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength).toString('utf8');
  if (jsonDeeperThan(text, input.maxJsonDepth)) return { kind: 'refused', reason: 'too_deep' };
  let parsed: { error: { code?: string } | null; value: unknown } = { error: null, value: undefined };
  parseJson(null as never, text, (error, value) => {
    parsed = { error: error as { code?: string } | null, value };
  });
  if (parsed.error !== null) {
    const code = parsed.error.code;
    return {
      kind: 'refused',
      reason: code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? code : 'FST_ERR_CTP_INVALID_JSON_BODY',
    };
  }
  const result = validateBody(parsed.value);
  if (result.error !== undefined) return { ...refsOf(parsed.value), kind: 'invalid', errors: result.error };
  const body = result.value as SubmissionRequest;
  const seeds = body.seeds.map((s) => toSeedMatrix(s.seed, s.probabilities));
  return {
    kind: 'parsed',
    experimentId: body.experimentId,
    idempotencyKey: body.idempotencyKey,
    seeds,
    payloadSha256: matrixPayloadSha256(body.experimentId, seeds),
  };
}

function refsOf(value: unknown): { [field in AuditRefField]?: string } {
  const refs: { [field in AuditRefField]?: string } = {};
  if (value === null || typeof value !== 'object') return refs;
  for (const name of AUDIT_REF_FIELDS) {
    const field = (value as Record<string, unknown>)[name];
    if (typeof field === 'string') refs[name] = field;
  }
  return refs;
}

/** What `scoreMatrices` needs: the seeds, the shape they must have, and the task's labels. */
export interface ScoreInput {
  readonly seeds: readonly SeedMatrix[];
  readonly shape: PredictionShape;
  readonly labels: ScoringLabels;
  readonly replicates: number;
}

/** Problems of an invalid submission, or the predicted classes and exact scores of a valid one. */
export type ScoreOutput =
  | { readonly problems: Problem[] }
  | {
      readonly classesBySeed: SeedClasses[];
      readonly exact: { public: ExactSplitScore; private: ExactSplitScore };
    };

/**
 * Validates a submission's matrices against the task's shape and, when valid, scores both halves
 * exactly (per seed, mean, PGR): everything the receipt and the Ladder need. No bootstrap.
 */
export function scoreMatrices(input: ScoreInput): ScoreOutput {
  const problems = matrixProblems(input.seeds, input.shape);
  if (problems.length > 0) return { problems };
  const classesBySeed = input.seeds.map((m) => ({
    seed: m.seed,
    classes: argmaxFlatRows(m.values, m.offsets),
  }));
  return { classesBySeed, exact: exactScore(classesBySeed, input.labels, input.replicates) };
}

/** What `halfIntervals` needs: one half, the submission's classes and hash, and its exact score. */
export interface IntervalInput {
  readonly classesBySeed: readonly SeedClasses[];
  readonly labels: Pick<ScoringLabels, 'labels' | 'publicIndices' | 'privateIndices'>;
  readonly half: Half;
  readonly payloadSha256: string;
  readonly exact: Pick<ExactSplitScore, 'level' | 'replicates' | 'weakAccuracy' | 'ceilingAccuracy'>;
}

/** One half's seeded bootstrap intervals (`splitIntervals`). */
export function halfIntervals(input: IntervalInput): SplitIntervals {
  return splitIntervals(input.classesBySeed, input.labels, input.half, input.payloadSha256, input.exact);
}

/** Every task a scoring worker runs, by name (`ready` answers once the worker has loaded). */
export const SCORING_TASKS = {
  ready: () => true,
  parse: parseSubmission,
  score: scoreMatrices,
  intervals: halfIntervals,
} as const;
export type ScoringTaskName = keyof typeof SCORING_TASKS;
export type ScoringTaskInput<T extends ScoringTaskName> = Parameters<(typeof SCORING_TASKS)[T]>[0];
export type ScoringTaskOutput<T extends ScoringTaskName> = ReturnType<(typeof SCORING_TASKS)[T]>;
