/**
 * Loads a task prepared by the trainer into the eval server, through its admin route:
 *
 *   node --import tsx server/eval/load-task.ts --dir DIR [--task ID] [--expires ISO] [--replace]
 *
 * Reads DIR/labels.json and DIR/bundle.npz, checks the bundle's sha256 against the label store,
 * and sends both to AAR_EVAL_URL with AAR_EVAL_ADMIN_TOKEN. Idempotent: the same files again
 * are a no-op; different files are refused (409) unless --replace is given.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../runtime/config.js';
import { sha256Hex } from './tasks/label-store.js';

/** Where the prepared files are, and how to reach the eval server. */
export interface LoadTaskOptions {
  readonly dir: string;
  /** Task id to load under; default: the label store's `task`. */
  readonly taskId?: string | undefined;
  readonly expiresAt?: string | null | undefined;
  readonly replace?: boolean | undefined;
  readonly evalUrl: string;
  readonly adminToken: string;
}

/** What the server answered. */
export interface LoadTaskResult {
  readonly httpStatus: number;
  readonly body: unknown;
}

/** Thrown for a problem with the files, before anything is sent. */
export class TaskFilesError extends Error {
  override name = 'TaskFilesError';
}

/** Reads the prepared files and PUTs them to `/v1/admin/tasks/:taskId`; returns the answer. */
export async function loadTaskFromDir(options: LoadTaskOptions): Promise<LoadTaskResult> {
  let labelStore: { task?: unknown; bundleSha256?: unknown };
  try {
    labelStore = JSON.parse(await readFile(join(options.dir, 'labels.json'), 'utf8'));
  } catch (error) {
    throw new TaskFilesError(
      `cannot read ${join(options.dir, 'labels.json')} as JSON: ${(error as Error).message}`,
    );
  }
  const bundle = await readFile(join(options.dir, 'bundle.npz')).catch((error: Error) => {
    throw new TaskFilesError(`cannot read ${join(options.dir, 'bundle.npz')}: ${error.message}`);
  });
  const bundleSha = sha256Hex(bundle);
  if (bundleSha !== labelStore.bundleSha256) {
    throw new TaskFilesError(
      `bundle.npz has sha256 ${bundleSha} but labels.json names ${String(labelStore.bundleSha256)}: the files come from different prepare runs`,
    );
  }
  const taskId = options.taskId ?? labelStore.task;
  if (typeof taskId !== 'string') throw new TaskFilesError('labels.json has no task id; pass --task');
  const body = {
    labelStore,
    bundleBase64: bundle.toString('base64'),
    ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
    ...(options.replace ? { replace: true } : {}),
  };
  const response = await fetch(`${options.evalUrl}/v1/admin/tasks/${encodeURIComponent(taskId)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${options.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { httpStatus: response.status, body: await response.json().catch(() => null) };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      task: { type: 'string' },
      expires: { type: 'string' },
      replace: { type: 'boolean', default: false },
    },
  });
  if (values.dir === undefined) {
    process.stderr.write('usage: load-task.ts --dir DIR [--task ID] [--expires ISO|never] [--replace]\n');
    return 2;
  }
  const config = loadConfig();
  if (config.AAR_EVAL_ADMIN_TOKEN === undefined) {
    process.stderr.write('load-task: AAR_EVAL_ADMIN_TOKEN is not set (run `make dev-up` or set it)\n');
    return 2;
  }
  const expiresAt =
    values.expires === undefined ? undefined : values.expires === 'never' ? null : values.expires;
  const result = await loadTaskFromDir({
    dir: values.dir,
    taskId: values.task,
    expiresAt,
    replace: values.replace,
    evalUrl: config.AAR_EVAL_URL,
    adminToken: config.AAR_EVAL_ADMIN_TOKEN,
  });
  const answer = result.body as {
    status?: string;
    task?: { taskId?: string };
    error?: { message?: string };
  } | null;
  if (result.httpStatus >= 400) {
    process.stderr.write(`load-task: ${result.httpStatus} ${answer?.error?.message ?? 'no error message'}\n`);
    return 1;
  }
  process.stdout.write(`${answer?.task?.taskId}: ${answer?.status}\n`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`load-task: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
