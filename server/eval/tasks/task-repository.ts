import { TaskSummary } from '../../../core/api/eval/tasks.js';
import { checkRow, iso, isoOrNull, type Queryable, withoutRowDetail } from '../shared/db.js';
import type { AccuracySummary } from './label-store.js';

const SUMMARY_COLUMNS = `id, source_task, num_classes, test_size, cardinality(public_indices) AS public_size,
  cardinality(private_indices) AS private_size, seeds, weak_accuracy, ceiling_accuracy, bundle_sha256,
  octet_length(bundle) AS bundle_bytes, expires_at, created_at, updated_at`;

function toSummary(row: Record<string, unknown>): TaskSummary {
  return checkRow(
    TaskSummary,
    {
      taskId: row.id,
      sourceTask: row.source_task,
      numClasses: row.num_classes,
      testSize: row.test_size,
      publicSize: row.public_size,
      privateSize: row.private_size,
      seeds: row.seeds,
      weakAccuracy: row.weak_accuracy,
      ceilingAccuracy: row.ceiling_accuracy,
      bundleSha256: row.bundle_sha256,
      bundleBytes: row.bundle_bytes,
      expiresAt: isoOrNull(row.expires_at),
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    },
    'task row',
  );
}

/** Whether a task's expiry has passed. */
export function isExpired(task: { expiresAt: string | null }, now: Date = new Date()): boolean {
  return task.expiresAt !== null && Date.parse(task.expiresAt) <= now.getTime();
}

/** A task without its labels, or null when there is none. */
export async function findTaskSummary(db: Queryable, taskId: string): Promise<TaskSummary | null> {
  const result = await db.query(`SELECT ${SUMMARY_COLUMNS} FROM tasks WHERE id = $1`, [taskId]);
  return result.rows[0] === undefined ? null : toSummary(result.rows[0]);
}

/** The content hashes of a stored task, row-locked until the transaction ends (idempotent loads). */
export async function lockTaskHashes(
  db: Queryable,
  taskId: string,
): Promise<{ labelStoreSha256: string; bundleSha256: string; expiresAt: string | null } | null> {
  const result = await db.query(
    'SELECT label_store_sha256, bundle_sha256, expires_at FROM tasks WHERE id = $1 FOR UPDATE',
    [taskId],
  );
  const row = result.rows[0];
  if (row === undefined) return null;
  return {
    labelStoreSha256: row.label_store_sha256,
    bundleSha256: row.bundle_sha256,
    expiresAt: isoOrNull(row.expires_at),
  };
}

/** What scoring needs: the labels and the split. Only the submission path reads this. */
export interface ScoringKey {
  readonly taskId: string;
  readonly numClasses: number;
  readonly testSize: number;
  readonly labels: Int16Array;
  readonly publicIndices: Int32Array;
  readonly privateIndices: Int32Array;
  readonly weakAccuracy: number;
  readonly ceilingAccuracy: number;
  readonly labelStoreSha256: string;
  readonly expiresAt: string | null;
}

/** Reads a task's labels and split; the one query that selects labels, for scoring only. */
export async function findScoringKey(db: Queryable, taskId: string): Promise<ScoringKey | null> {
  const result = await db.query(
    `SELECT id, num_classes, test_size, test_labels, public_indices, private_indices, weak_accuracy,
            ceiling_accuracy, label_store_sha256, expires_at FROM tasks WHERE id = $1`,
    [taskId],
  );
  const row = result.rows[0];
  if (row === undefined) return null;
  return {
    taskId: row.id,
    numClasses: row.num_classes,
    testSize: row.test_size,
    labels: Int16Array.from(row.test_labels as number[]),
    publicIndices: Int32Array.from(row.public_indices as number[]),
    privateIndices: Int32Array.from(row.private_indices as number[]),
    weakAccuracy: row.weak_accuracy,
    ceilingAccuracy: row.ceiling_accuracy,
    labelStoreSha256: row.label_store_sha256,
    expiresAt: isoOrNull(row.expires_at),
  };
}

/** A task's bundle bytes, their sha256 and the task's expiry. */
export async function readBundle(
  db: Queryable,
  taskId: string,
): Promise<{ bundle: Buffer; bundleSha256: string; expiresAt: string | null } | null> {
  const result = await db.query('SELECT bundle, bundle_sha256, expires_at FROM tasks WHERE id = $1', [
    taskId,
  ]);
  const row = result.rows[0];
  if (row === undefined) return null;
  return { bundle: row.bundle, bundleSha256: row.bundle_sha256, expiresAt: isoOrNull(row.expires_at) };
}

/** A task's full stored content, written on load or replace. */
export interface TaskContent {
  readonly taskId: string;
  readonly sourceTask: string;
  readonly numClasses: number;
  readonly testLabels: readonly number[];
  readonly publicIndices: readonly number[];
  readonly privateIndices: readonly number[];
  readonly weak: AccuracySummary;
  readonly ceiling: AccuracySummary;
  readonly seeds: number;
  /** The data secret of a generated task (hex), stored beside its labels and never selected for a response. */
  readonly dataSecret: string | null;
  readonly bundle: Buffer;
  readonly bundleSha256: string;
  readonly labelStoreSha256: string;
  readonly expiresAt: string | null;
}

/**
 * Inserts a task, or overwrites one (`replace`). Database errors are stripped of their row
 * detail before they propagate: the row holds the labels.
 */
export async function writeTask(db: Queryable, task: TaskContent, replace: boolean): Promise<void> {
  const values = [
    task.taskId,
    task.numClasses,
    task.testLabels.length,
    task.testLabels,
    task.publicIndices,
    task.privateIndices,
    task.weak.mean,
    task.ceiling.mean,
    task.bundle,
    task.bundleSha256,
    task.expiresAt,
    task.sourceTask,
    task.labelStoreSha256,
    task.seeds,
    { weak: task.weak, ceiling: task.ceiling },
    task.dataSecret,
  ];
  const insert = `INSERT INTO tasks (id, num_classes, test_size, test_labels, public_indices, private_indices,
      weak_accuracy, ceiling_accuracy, bundle, bundle_sha256, expires_at, source_task, label_store_sha256,
      seeds, accuracy_detail, data_secret)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`;
  const update = `UPDATE tasks SET num_classes = $2, test_size = $3, test_labels = $4, public_indices = $5,
      private_indices = $6, weak_accuracy = $7, ceiling_accuracy = $8, bundle = $9, bundle_sha256 = $10,
      expires_at = $11, source_task = $12, label_store_sha256 = $13, seeds = $14, accuracy_detail = $15,
      data_secret = $16, updated_at = now() WHERE id = $1`;
  try {
    await db.query(replace ? update : insert, values);
  } catch (error) {
    throw withoutRowDetail(error, replace ? 'replacing a task' : 'storing a task');
  }
}

/** Sets or clears a task's expiry without touching its content. */
export async function updateTaskExpiry(
  db: Queryable,
  taskId: string,
  expiresAt: string | null,
): Promise<void> {
  await db.query('UPDATE tasks SET expires_at = $2, updated_at = now() WHERE id = $1', [taskId, expiresAt]);
}

/** Submissions scored against a task's current labels. */
export async function countTaskSubmissions(db: Queryable, taskId: string): Promise<number> {
  const result = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM submissions WHERE task_id = $1',
    [taskId],
  );
  return result.rows[0]?.n ?? 0;
}
