import { type Static, Type } from 'typebox';
import { Timestamp } from '../../../core/api/eval/common.js';
import type { TaskLoadResponse, TaskLoadStatus } from '../../../core/api/eval/tasks.js';
import { type Pool, withTransaction } from '../../../runtime/db.js';
import { AppError } from '../../http/errors.js';
import { canonicalJson } from '../shared/canonical-json.js';
import { LabelStore, labelStoreProblems, sha256Hex } from './label-store.js';
import { splitTestSet } from './split.js';
import {
  countTaskSubmissions,
  findTaskSummary,
  lockTaskHashes,
  updateTaskExpiry,
  writeTask,
} from './task-repository.js';

/** Body of `PUT /v1/admin/tasks/:taskId`: `labels.json`, `bundle.npz` in base64, and options. */
export const TaskLoadRequest = Type.Object(
  {
    labelStore: LabelStore,
    bundleBase64: Type.String({
      pattern: '^[A-Za-z0-9+/]*={0,2}$',
      description: 'The bytes of bundle.npz, base64-encoded (standard alphabet, padded).',
    }),
    expiresAt: Type.Optional(
      Type.Union([Timestamp, Type.Null()], {
        description: 'After this time the task takes no submissions and serves no bundle; null: never.',
      }),
    ),
    replace: Type.Optional(
      Type.Boolean({
        description: 'Replace a task that holds a different label store (refused once scored).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TaskLoadRequest = Static<typeof TaskLoadRequest>;

/**
 * Loads a label store and its bundle under `taskId`, idempotently: the same content is a no-op
 * (only a new expiry is applied), different content is refused with 409 unless `replace` is set,
 * and a task that already has scored submissions is never replaced. The public/private split is
 * drawn once, when the labels are first stored.
 */
export async function loadTask(
  pool: Pool,
  taskId: string,
  request: TaskLoadRequest,
): Promise<TaskLoadResponse> {
  const store = request.labelStore;
  const problems = labelStoreProblems(store);
  if (problems.length > 0) {
    const message = `the label store is inconsistent: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`;
    throw new AppError('invalid_request', message, { details: problems });
  }
  const bundle = Buffer.from(request.bundleBase64, 'base64');
  const bundleSha256 = sha256Hex(bundle);
  if (bundleSha256 !== store.bundleSha256) {
    throw new AppError(
      'bundle_mismatch',
      `the bundle has sha256 ${bundleSha256} but the label store names ${store.bundleSha256}: load the bundle.npz written by the same prepare run as labels.json`,
    );
  }
  const labelStoreSha256 = sha256Hex(canonicalJson(store));
  const status = await withTransaction(pool, async (client): Promise<TaskLoadStatus> => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`eval-task:${taskId}`]);
    const existing = await lockTaskHashes(client, taskId);
    const content = () => {
      const split = splitTestSet(store.testSize);
      return {
        taskId,
        sourceTask: store.task,
        numClasses: store.numClasses,
        testLabels: store.testLabels,
        ...split,
        weak: store.weakAccuracy,
        ceiling: store.ceilingAccuracy,
        seeds: store.seeds,
        dataSecret: store.dataSecret ?? null,
        bundle,
        bundleSha256,
        labelStoreSha256,
      };
    };
    if (existing === null) {
      await writeTask(client, { ...content(), expiresAt: request.expiresAt ?? null }, false);
      return 'created';
    }
    if (existing.labelStoreSha256 === labelStoreSha256 && existing.bundleSha256 === bundleSha256) {
      const expiresAt = request.expiresAt === undefined ? existing.expiresAt : request.expiresAt;
      if (sameInstant(expiresAt, existing.expiresAt)) return 'unchanged';
      await updateTaskExpiry(client, taskId, expiresAt);
      return 'updated';
    }
    if (request.replace !== true) {
      throw new AppError(
        'task_conflict',
        `task ${taskId} already holds a different label store or bundle: pass replace: true (load-task --replace) to replace it, or load under another task id`,
      );
    }
    const scored = await countTaskSubmissions(client, taskId);
    if (scored > 0) {
      throw new AppError(
        'task_conflict',
        `task ${taskId} has ${scored} submissions scored against its labels and cannot be replaced: load the new labels under another task id`,
      );
    }
    await writeTask(client, { ...content(), expiresAt: request.expiresAt ?? null }, true);
    return 'replaced';
  });
  const task = await findTaskSummary(pool, taskId);
  if (task === null) throw new Error('task vanished after it was loaded');
  return { status, labelStoreSha256, task };
}

function sameInstant(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return Date.parse(a) === Date.parse(b);
}
