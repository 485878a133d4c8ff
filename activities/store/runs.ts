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

export type StoreResultOutcome = 'stored' | 'duplicate' | 'conflict' | 'unknown_run';

/**
 * Stores the result bundle a trainer uploaded for a run, once. The same bundle again is a
 * harmless duplicate (an upload retried after a lost response); a different one is a conflict.
 */
export async function storeResult(
  pool: Pool,
  runId: string,
  bundle: ResultBundle,
): Promise<StoreResultOutcome> {
  return await withTransaction(pool, async (client) => {
    const run = await client.query<{ experiment_id: string; seed: number }>(
      'SELECT experiment_id, seed FROM experiment_runs WHERE id = $1 FOR UPDATE',
      [runId],
    );
    const row = run.rows[0];
    if (row === undefined) return 'unknown_run';
    const text = JSON.stringify(bundle);
    const inserted = await client.query(
      `INSERT INTO results (run_id, experiment_id, seed, status, bundle) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (run_id) DO NOTHING`,
      [runId, row.experiment_id, row.seed, bundle.status, text],
    );
    if (inserted.rowCount === 0) {
      const same = await client.query<{ same: boolean }>(
        'SELECT bundle = $2::jsonb AS same FROM results WHERE run_id = $1',
        [runId, text],
      );
      return same.rows[0]?.same ? 'duplicate' : 'conflict';
    }
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

export async function markRunStarted(pool: Queryable, runId: string, externalId: string): Promise<boolean> {
  const updated = await pool.query(
    // A repeat report of the same process or Job (an adopting worker) does not count as a launch.
    `UPDATE experiment_runs SET status = CASE WHEN status = 'pending' THEN 'running' ELSE status END,
       launches = launches + CASE WHEN external_id IS DISTINCT FROM $2 THEN 1 ELSE 0 END,
       external_id = $2, started_at = COALESCE(started_at, now())
     WHERE id = $1`,
    [runId, externalId],
  );
  return updated.rowCount === 1;
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
