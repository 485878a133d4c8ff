import { type Static, Type } from 'typebox';
import { Sha256Hex, TaskId, Timestamp } from './common.js';

/** A task as clients see it: everything but its labels and its split. */
export const TaskSummary = Type.Object({
  taskId: TaskId,
  sourceTask: TaskId,
  numClasses: Type.Integer(),
  testSize: Type.Integer(),
  publicSize: Type.Integer(),
  privateSize: Type.Integer(),
  seeds: Type.Integer(),
  weakAccuracy: Type.Number(),
  ceilingAccuracy: Type.Number(),
  bundleSha256: Sha256Hex,
  bundleBytes: Type.Integer(),
  expiresAt: Type.Union([Timestamp, Type.Null()]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type TaskSummary = Static<typeof TaskSummary>;

/** What a load did: stored new content, nothing, a new expiry, or replaced content. */
export const TASK_LOAD_STATUSES = ['created', 'unchanged', 'updated', 'replaced'] as const;
export type TaskLoadStatus = (typeof TASK_LOAD_STATUSES)[number];

/** The answer to a task load: what happened, the label store's hash, and the task summary. */
export const TaskLoadResponse = Type.Object({
  status: Type.Union([
    Type.Literal('created'),
    Type.Literal('unchanged'),
    Type.Literal('updated'),
    Type.Literal('replaced'),
  ]),
  labelStoreSha256: Sha256Hex,
  task: TaskSummary,
});
export type TaskLoadResponse = Static<typeof TaskLoadResponse>;
