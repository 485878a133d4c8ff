import { createHash } from 'node:crypto';
import { type Static, Type } from 'typebox';
import { Sha256Hex, TaskId } from '../../../core/api/eval/common.js';

/** Weak or ceiling accuracy from the trusted baseline runs of the trainer's `prepare` step. */
export const AccuracySummary = Type.Object({
  mean: Type.Number({ minimum: 0, maximum: 1 }),
  sd: Type.Number({ minimum: 0 }),
  perSeed: Type.Array(Type.Number({ minimum: 0, maximum: 1 })),
});
export type AccuracySummary = Static<typeof AccuracySummary>;

/**
 * `labels.json` as the trainer's `prepare` step writes it: the test labels (ground truth that
 * only the eval server may hold) and the fixed weak and ceiling accuracies on the full test set.
 * Version 2 adds `dataSecret`, the hex of the 32 bytes every random stream of a generated task's
 * data is drawn from (text tasks, imported rather than generated, have none): it is stored with
 * the labels and never served. Fields beyond these are accepted and ignored, so the trainer may
 * add provenance.
 */
export const LabelStore = Type.Object({
  labelStoreVersion: Type.Union([Type.Literal(1), Type.Literal(2)]),
  dataSecret: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  task: TaskId,
  numClasses: Type.Integer({ minimum: 2, maximum: 32_767 }),
  testSize: Type.Integer({ minimum: 2, maximum: 1_000_000 }),
  testLabels: Type.Array(Type.Integer({ minimum: 0, maximum: 32_766 }), { maxItems: 1_000_000 }),
  weakAccuracy: AccuracySummary,
  ceilingAccuracy: AccuracySummary,
  bundleSha256: Sha256Hex,
  createdAt: Type.String(),
  seeds: Type.Integer({ minimum: 1 }),
});
export type LabelStore = Static<typeof LabelStore>;

/**
 * What is wrong with a label store beyond its schema, as messages that name fields but never a
 * label value; empty when it is consistent.
 */
export function labelStoreProblems(store: LabelStore): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (store.dataSecret !== undefined && store.labelStoreVersion < 2) {
    problems.push({ path: '/labelStore/dataSecret', message: 'needs labelStoreVersion 2' });
  }
  if (store.testLabels.length !== store.testSize) {
    problems.push({
      path: '/labelStore/testLabels',
      message: `has ${store.testLabels.length} entries but testSize is ${store.testSize}`,
    });
  }
  const outOfRange = store.testLabels.findIndex((label) => label >= store.numClasses);
  if (outOfRange >= 0) {
    problems.push({
      path: `/labelStore/testLabels/${outOfRange}`,
      message: `is not a class below numClasses (${store.numClasses})`,
    });
  }
  if (!(store.ceilingAccuracy.mean > store.weakAccuracy.mean)) {
    problems.push({
      path: '/labelStore/ceilingAccuracy/mean',
      message: 'must exceed weakAccuracy.mean, or PGR is undefined',
    });
  }
  return problems;
}

/** sha256 of a buffer, as lower-case hex. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
