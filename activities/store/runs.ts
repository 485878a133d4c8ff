import type { ResultBundle } from '../../core/result-bundle.js';
import { type Pool, type Queryable, withTransaction } from '../../runtime/db.js';

export interface RunRow {
  readonly id: string;
  readonly experimentId: string;
  readonly seed: number;
  readonly attempt: number;
  readonly executor: string;
  readonly externalId: string | null;
  readonly status: string;
  readonly failure: { kind: string; message: string } | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

interface Row {
  id: string;
  experiment_id: string;
  seed: number;
  attempt: number;
  executor: string;
  external_id: string | null;
  status: string;
  failure: { kind: string; message: string } | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const toRun = (r: Row): RunRow => ({
  id: r.id,
  experimentId: r.experiment_id,
  seed: r.seed,
  attempt: r.attempt,
  executor: r.executor,
  externalId: r.external_id,
  status: r.status,
  failure: r.failure,
  createdAt: r.created_at.toISOString(),
  startedAt: r.started_at?.toISOString() ?? null,
  finishedAt: r.finished_at?.toISOString() ?? null,
});

/** Creates the run row for one (experiment, seed, attempt) unless it exists. */
export async function ensureRun(
  pool: Queryable,
  run: { runId: string; experimentId: string; seed: number; attempt: number; executor: string },
): Promise<void> {
  await pool.query(
    `INSERT INTO experiment_runs (id, experiment_id, seed, attempt, executor) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING`,
    [run.runId, run.experimentId, run.seed, run.attempt, run.executor],
  );
}

export async function findRun(pool: Queryable, runId: string): Promise<RunRow | null> {
  const { rows } = await pool.query<Row>('SELECT * FROM experiment_runs WHERE id = $1', [runId]);
  return rows[0] ? toRun(rows[0]) : null;
}

export async function listRuns(pool: Queryable, experimentId: string): Promise<RunRow[]> {
  const { rows } = await pool.query<Row>(
    'SELECT * FROM experiment_runs WHERE experiment_id = $1 ORDER BY seed, attempt',
    [experimentId],
  );
  return rows.map(toRun);
}

/** Marks a run as ended. Never overwrites a run that already ended (the first verdict stands). */
export async function finishRun(
  pool: Queryable,
  runId: string,
  status: 'succeeded' | 'failed' | 'cancelled',
  failure: { kind: string; message: string } | null,
): Promise<void> {
  await pool.query(
    `UPDATE experiment_runs SET status = $2, failure = $3, finished_at = COALESCE(finished_at, now())
     WHERE id = $1 AND status IN ('pending', 'running')`,
    [runId, status, failure === null ? null : JSON.stringify(failure)],
  );
}

export type StoreResultOutcome = 'stored' | 'duplicate' | 'conflict' | 'run_ended' | 'unknown_run';

/**
 * Stores the result bundle a trainer uploaded for a run, once. The same bundle again is a
 * harmless duplicate (an upload retried after a lost response); a different one is a conflict.
 * A run that already ended without a result (failed, cancelled, or succeeded) takes none:
 * `run_ended`, nothing written.
 */
export async function storeResult(
  pool: Pool,
  runId: string,
  bundle: ResultBundle,
): Promise<StoreResultOutcome> {
  return await withTransaction(pool, async (client) => {
    const run = await client.query<{ experiment_id: string; seed: number; status: string }>(
      'SELECT experiment_id, seed, status FROM experiment_runs WHERE id = $1 FOR UPDATE',
      [runId],
    );
    const row = run.rows[0];
    if (row === undefined) return 'unknown_run';
    const text = JSON.stringify(bundle);
    // The run row is locked: a stored result cannot appear or go between these statements.
    const stored = await client.query<{ same: boolean }>(
      'SELECT bundle = $2::jsonb AS same FROM results WHERE run_id = $1',
      [runId, text],
    );
    if (stored.rows[0] !== undefined) return stored.rows[0].same ? 'duplicate' : 'conflict';
    // Ended without a result (failed, cancelled, or judged by its exit code): the verdict stands.
    if (row.status !== 'pending' && row.status !== 'running') return 'run_ended';
    await client.query(
      'INSERT INTO results (run_id, experiment_id, seed, status, bundle) VALUES ($1, $2, $3, $4, $5)',
      [runId, row.experiment_id, row.seed, bundle.status, text],
    );
    await client.query(
      `UPDATE experiment_runs SET status = $2, failure = $3, finished_at = COALESCE(finished_at, now()),
         started_at = COALESCE(started_at, now())
       WHERE id = $1 AND status IN ('pending', 'running')`,
      [
        runId,
        bundle.status,
        bundle.failure
          ? JSON.stringify({ kind: bundle.failure.kind, message: bundle.failure.message })
          : null,
      ],
    );
    return 'stored';
  });
}

/** A stored result without its predictions (status, failure, timings), or null when none arrived. */
export async function findResultSummary(
  pool: Queryable,
  runId: string,
): Promise<{
  status: 'succeeded' | 'failed';
  failure: ResultBundle['failure'] | null;
  wallSeconds: number;
} | null> {
  const { rows } = await pool.query<{
    status: 'succeeded' | 'failed';
    failure: ResultBundle['failure'] | null;
    wall: number;
  }>(
    `SELECT status, bundle->'failure' AS failure, (bundle->>'wallSeconds')::float8 AS wall FROM results WHERE run_id = $1`,
    [runId],
  );
  const r = rows[0];
  return r ? { status: r.status, failure: r.failure, wallSeconds: r.wall } : null;
}

/** The full result bundles of the given runs, in the order asked. */
export async function loadResultBundles(pool: Queryable, runIds: readonly string[]): Promise<ResultBundle[]> {
  const { rows } = await pool.query<{ run_id: string; bundle: ResultBundle }>(
    'SELECT run_id, bundle FROM results WHERE run_id = ANY($1)',
    [runIds],
  );
  const byId = new Map(rows.map((r) => [r.run_id, r.bundle]));
  return runIds.map((id) => {
    const bundle = byId.get(id);
    if (bundle === undefined) throw new Error(`no result stored for run ${id}`);
    return bundle;
  });
}

export type MarkStartedOutcome = 'started' | 'repeat' | 'conflict' | 'unknown_run';

/**
 * Records the process or Job a run attempt started as, once: the same external id again (an
 * adopting worker reporting the same Job) changes nothing; another one is a conflict and writes
 * nothing. A run that ended before its report arrived keeps its status.
 */
export async function markRunStarted(
  pool: Queryable,
  runId: string,
  externalId: string,
): Promise<MarkStartedOutcome> {
  const updated = await pool.query(
    `UPDATE experiment_runs SET status = CASE WHEN status = 'pending' THEN 'running' ELSE status END,
       launches = launches + 1, external_id = $2, started_at = COALESCE(started_at, now())
     WHERE id = $1 AND external_id IS NULL`,
    [runId, externalId],
  );
  if (updated.rowCount === 1) return 'started';
  const { rows } = await pool.query<{ external_id: string | null }>(
    'SELECT external_id FROM experiment_runs WHERE id = $1',
    [runId],
  );
  const row = rows[0];
  if (row === undefined) return 'unknown_run';
  return row.external_id === externalId ? 'repeat' : 'conflict';
}

/** A stored result without its predictions: what operators read about one run. */
export interface ResultSummary {
  readonly runId: string;
  readonly experimentId: string;
  readonly seed: number;
  readonly status: 'succeeded' | 'failed';
  readonly curve: ResultBundle['curve'];
  readonly weakValidationAccuracy: number | null;
  readonly stoppedEpoch: number | null;
  readonly trainExamples: number | null;
  readonly wallSeconds: number;
  readonly device: string;
  readonly failure: { kind: string; message: string } | null;
  readonly receivedAt: string;
}

/**
 * The results of the given experiments without their predictions (the database drops them before
 * they leave it), ordered by experiment, seed and run.
 */
export async function listResultSummaries(
  pool: Queryable,
  experimentIds: readonly string[],
): Promise<ResultSummary[]> {
  const { rows } = await pool.query<{
    run_id: string;
    experiment_id: string;
    seed: number;
    status: 'succeeded' | 'failed';
    received_at: Date;
    bundle: Omit<ResultBundle, 'predictions'>;
  }>(
    `SELECT run_id, experiment_id, seed, status, received_at, bundle - 'predictions' AS bundle
     FROM results WHERE experiment_id = ANY($1) ORDER BY experiment_id, seed, run_id`,
    [experimentIds],
  );
  return rows.map((r) => ({
    runId: r.run_id,
    experimentId: r.experiment_id,
    seed: r.seed,
    status: r.status,
    curve: r.bundle.curve ?? [],
    weakValidationAccuracy: r.bundle.weakValidationAccuracy ?? null,
    stoppedEpoch: r.bundle.stoppedEpoch ?? null,
    trainExamples: r.bundle.trainExamples ?? null,
    wallSeconds: r.bundle.wallSeconds,
    device: r.bundle.device,
    failure: r.bundle.failure ? { kind: r.bundle.failure.kind, message: r.bundle.failure.message } : null,
    receivedAt: r.received_at.toISOString(),
  }));
}

/** Every run of a campaign's research experiments (not promotion arms), by experiment, seed and attempt. */
export async function listCampaignRuns(pool: Queryable, campaignId: string): Promise<RunRow[]> {
  const { rows } = await pool.query<Row>(
    `SELECT r.* FROM experiment_runs r JOIN experiments e ON e.id = r.experiment_id
     WHERE e.campaign_id = $1 AND e.kind = 'research' ORDER BY r.experiment_id, r.seed, r.attempt`,
    [campaignId],
  );
  return rows.map(toRun);
}

/** Runs waiting to start (no executor slot, no GPU) and how long the oldest has waited. */
export async function pendingRunsHealth(
  pool: Queryable,
): Promise<{ pending: number; oldestPendingSeconds: number }> {
  const { rows } = await pool.query<{ pending: string; oldest: number | null }>(
    `SELECT count(*) AS pending,
            extract(epoch FROM now() - min(created_at))::float8 AS oldest
     FROM experiment_runs WHERE status = 'pending'`,
  );
  return { pending: Number(rows[0]?.pending ?? 0), oldestPendingSeconds: rows[0]?.oldest ?? 0 };
}
