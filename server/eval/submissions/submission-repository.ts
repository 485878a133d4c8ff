import { AdminSubmission, type ProbeFlag, SubmissionReceipt } from '../../../core/api/eval/submissions.js';
import type { PriorPredictions } from '../../../core/probe.js';
import { checkRow, iso, type Queryable } from '../shared/db.js';
import { decodeClasses, encodeClasses } from './classes-codec.js';
import { type IntervalReader, withIntervals } from './interval-repository.js';
import type { ExactSplitScore } from './score.js';

/** A stored answer to an idempotency key. */
export interface StoredAnswer {
  readonly submissionId: string;
  readonly payloadSha256: string;
  readonly receipt: SubmissionReceipt;
}

/** The stored answer to an agent's idempotency key, or null when the key is new. */
export async function findByIdempotencyKey(
  db: Queryable,
  campaignId: string,
  agentId: string,
  idempotencyKey: string,
): Promise<StoredAnswer | null> {
  const result = await db.query(
    `SELECT id, payload_sha256, receipt FROM submissions
     WHERE campaign_id = $1 AND agent_id = $2 AND idempotency_key = $3`,
    [campaignId, agentId, idempotencyKey],
  );
  const row = result.rows[0];
  if (row === undefined) return null;
  return {
    submissionId: row.id,
    payloadSha256: row.payload_sha256,
    receipt: checkRow(SubmissionReceipt, row.receipt, 'submission receipt'),
  };
}

/** Creates the agent's ledger row if needed and locks it until the transaction ends. */
export async function lockAgentLedger(db: Queryable, campaignId: string, agentId: string): Promise<void> {
  const lock = () =>
    db.query('SELECT 1 FROM agent_ledgers WHERE campaign_id = $1 AND agent_id = $2 FOR UPDATE', [
      campaignId,
      agentId,
    ]);
  // The row exists after an agent's first submission: one round trip then.
  if ((await lock()).rowCount === 1) return;
  await db.query('INSERT INTO agent_ledgers (campaign_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    campaignId,
    agentId,
  ]);
  await lock();
}

/** Predicted classes of the agent's latest submissions on a task, for probe detection. */
export async function recentPredictions(
  db: Queryable,
  key: { campaignId: string; agentId: string; taskId: string },
  numClasses: number,
  lookback: number,
): Promise<PriorPredictions[]> {
  // One row per seed, not array_agg: a bytea[] is parsed character by character.
  const result = await db.query<{ id: string; classes: Buffer }>(
    `SELECT s.id, p.classes
     FROM (SELECT id, created_at FROM submissions WHERE campaign_id = $1 AND agent_id = $2 AND task_id = $3
           ORDER BY created_at DESC LIMIT $4) s
     JOIN submission_predictions p ON p.submission_id = s.id
     ORDER BY s.created_at DESC, s.id, p.seed`,
    [key.campaignId, key.agentId, key.taskId, lookback],
  );
  const priors = new Map<string, Uint16Array[]>();
  for (const row of result.rows) {
    const vectors = priors.get(row.id) ?? [];
    vectors.push(decodeClasses(row.classes, numClasses));
    priors.set(row.id, vectors);
  }
  return [...priors].map(([submissionId, classesBySeed]) => ({ submissionId, classesBySeed }));
}

/**
 * A scored submission as it is stored: both exact scores, the receipt, and any probe flag. Its
 * bootstrap intervals are added later (`interval-repository.ts`): it is inserted pending.
 */
export interface NewSubmission {
  readonly submissionId: string;
  readonly campaignId: string;
  readonly agentId: string;
  readonly experimentId: string;
  readonly taskId: string;
  readonly idempotencyKey: string;
  readonly payloadSha256: string;
  readonly viaAdmin: boolean;
  readonly seedNumbers: number[];
  readonly public: ExactSplitScore;
  readonly private: ExactSplitScore;
  readonly receipt: SubmissionReceipt;
  readonly probe: ProbeFlag | null;
  readonly submittedAt: string;
}

/** Stores a scored submission and its predicted classes (one statement). */
export async function insertSubmission(
  db: Queryable,
  submission: NewSubmission,
  classesBySeed: readonly { seed: number; classes: Uint16Array }[],
  numClasses: number,
): Promise<void> {
  await db.query(
    `WITH submission AS (
       INSERT INTO submissions (id, campaign_id, agent_id, experiment_id, task_id, idempotency_key, payload_sha256,
         via_admin, seed_numbers, public_mean_pgr, private_mean_pgr, public_score, private_score, receipt, probe,
         created_at, intervals_pending)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, true) RETURNING id)
     INSERT INTO submission_predictions (submission_id, seed, classes)
     SELECT submission.id, t.seed, t.classes FROM submission, unnest($17::int[], $18::bytea[]) AS t (seed, classes)`,
    [
      submission.submissionId,
      submission.campaignId,
      submission.agentId,
      submission.experimentId,
      submission.taskId,
      submission.idempotencyKey,
      submission.payloadSha256,
      submission.viaAdmin,
      submission.seedNumbers,
      submission.public.meanPgr,
      submission.private.meanPgr,
      submission.public,
      submission.private,
      submission.receipt,
      submission.probe,
      submission.submittedAt,
      classesBySeed.map((c) => c.seed),
      classesBySeed.map((c) => encodeClasses(c.classes, numClasses)),
    ],
  );
}

const ADMIN_COLUMNS = `id, campaign_id, agent_id, experiment_id, task_id, via_admin, created_at, receipt,
  public_score, private_score, probe, intervals_pending`;

async function toAdminSubmission(
  stored: Record<string, unknown>,
  includePrivate: boolean,
  intervals: IntervalReader,
): Promise<AdminSubmission> {
  const row = await withIntervals(stored, intervals);
  return checkRow(
    AdminSubmission,
    {
      submissionId: row.id,
      campaignId: row.campaign_id,
      agentId: row.agent_id,
      experimentId: row.experiment_id,
      taskId: row.task_id,
      viaAdmin: row.via_admin,
      submittedAt: iso(row.created_at),
      receipt: row.receipt,
      public: row.public_score,
      ...(includePrivate ? { private: row.private_score } : {}),
      probe: row.probe,
    },
    'submission row',
  );
}

/**
 * A submission as operators see it; its private score only when `includePrivate`. Intervals still
 * pending are computed first (`intervals`), so the score is always whole.
 */
export async function findAdminSubmission(
  db: Queryable,
  submissionId: string,
  includePrivate: boolean,
  intervals: IntervalReader,
): Promise<AdminSubmission | null> {
  const result = await db.query(`SELECT ${ADMIN_COLUMNS} FROM submissions WHERE id = $1`, [submissionId]);
  return result.rows[0] === undefined ? null : toAdminSubmission(result.rows[0], includePrivate, intervals);
}

/** Submissions matching a filter, newest first (public scores only, whole); at most `limit`. */
export async function listAdminSubmissions(
  db: Queryable,
  filter: {
    campaignId?: string | undefined;
    agentId?: string | undefined;
    experimentId?: string | undefined;
  },
  limit: number,
  intervals: IntervalReader,
): Promise<AdminSubmission[]> {
  const result = await db.query(
    `SELECT ${ADMIN_COLUMNS} FROM submissions
     WHERE ($1::text IS NULL OR campaign_id = $1) AND ($2::text IS NULL OR agent_id = $2)
       AND ($3::text IS NULL OR experiment_id = $3)
     ORDER BY created_at DESC, id LIMIT $4`,
    [filter.campaignId ?? null, filter.agentId ?? null, filter.experimentId ?? null, limit],
  );
  return Promise.all(result.rows.map((row) => toAdminSubmission(row, false, intervals)));
}

/** One agent's receipts, newest first; optionally for one experiment. */
export async function listReceipts(
  db: Queryable,
  agent: { campaignId: string; agentId: string },
  experimentId: string | undefined,
  limit: number,
): Promise<SubmissionReceipt[]> {
  const result = await db.query(
    `SELECT receipt FROM submissions WHERE campaign_id = $1 AND agent_id = $2
       AND ($3::text IS NULL OR experiment_id = $3)
     ORDER BY created_at DESC, id LIMIT $4`,
    [agent.campaignId, agent.agentId, experimentId ?? null, limit],
  );
  return result.rows.map((row) => checkRow(SubmissionReceipt, row.receipt, 'submission receipt'));
}

/** One receipt, only if it belongs to the agent (another agent's id reads as absent). */
export async function findReceipt(
  db: Queryable,
  agent: { campaignId: string; agentId: string },
  submissionId: string,
): Promise<SubmissionReceipt | null> {
  const result = await db.query(
    'SELECT receipt FROM submissions WHERE id = $1 AND campaign_id = $2 AND agent_id = $3',
    [submissionId, agent.campaignId, agent.agentId],
  );
  return result.rows[0] === undefined
    ? null
    : checkRow(SubmissionReceipt, result.rows[0].receipt, 'submission receipt');
}
