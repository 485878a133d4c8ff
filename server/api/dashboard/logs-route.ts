import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from 'typebox';
import { findRun, type RunRow } from '../../../activities/store/runs.js';
import { RunLog } from '../../../core/api/dashboard.js';
import { AppError, errorResponses } from '../../http/errors.js';
import type { ApiPlugin } from '../context.js';

/** The most of a log file read from its end, whatever `tail` asks. */
const MAX_TAIL_BYTES = 1024 * 1024;

/** The last `lines` lines of a file (reading at most {@link MAX_TAIL_BYTES} from its end), or null when absent. */
export async function tailFile(
  path: string,
  lines: number,
): Promise<{ text: string; truncated: boolean } | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, MAX_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const all = buffer.toString('utf8').split('\n');
    if (all.at(-1) === '') all.pop();
    const kept = all.slice(-lines);
    return { text: kept.join('\n'), truncated: kept.length < all.length || length < size };
  } finally {
    await handle.close();
  }
}

/** `kubectl logs` for a run's Job; the external id (`job:<namespace>/<name>`) has a strict pattern. */
function kubectlLogs(externalId: string | null): string {
  const match = /^job:([a-z0-9-]+)\/([a-z0-9.-]+)$/.exec(externalId ?? '');
  return match
    ? `kubectl logs -n ${match[1]} job/${match[2]} -c student`
    : 'kubectl logs job/<job> -c student (in the experiments namespace)';
}

function unavailable(run: RunRow, why: string): AppError {
  const where =
    run.executor === 'k8s'
      ? `the run ran as Kubernetes Job ${run.externalId ?? '(not started)'}: read it with \`${kubectlLogs(run.externalId)}\``
      : 'read it on the dispatch machine that ran it, under $AAR_RUNS_DIR/<run id>/';
  return new AppError('logs_unavailable', `${why}; ${where}`);
}

/**
 * The tail of a trainer run's stdout or stderr. The local executor keeps them in
 * `$AAR_RUNS_DIR/<run id>/` on the dispatch machine; this answers only where the api server can
 * read that folder (the dev stack, one machine), and says where to look otherwise.
 */
export const logsRoute: ApiPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/runs/:runId/logs',
    {
      config: { access: 'viewer' },
      schema: {
        summary: "The tail of a trainer run's stdout or stderr (local executor, same machine only)",
        tags: ['dashboard'],
        params: Type.Object({ runId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,200}$' }) }),
        querystring: Type.Object({
          // stdout/stderr: the launcher's own; student: what the sandboxed student printed.
          stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr'), Type.Literal('student')], {
            default: 'stderr',
          }),
          tail: Type.Integer({ minimum: 1, maximum: 10_000, default: 200 }),
        }),
        response: { 200: RunLog, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { runId } = request.params;
      const { stream, tail } = request.query;
      const run = await findRun(ctx.pool, runId);
      if (run === null) throw new AppError('not_found', `no run ${runId}`);
      if (ctx.dashboard.runsDir === null)
        throw unavailable(run, 'this api server was not given a runs folder it can read (AAR_RUNS_DIR)');
      const log = await tailFile(join(ctx.dashboard.runsDir, runId, `${stream}.log`), tail);
      if (log === null)
        throw unavailable(run, `no ${stream}.log for run ${runId} in this api server's runs folder`);
      return {
        runId,
        stream,
        text: log.text,
        lines: log.text === '' ? 0 : log.text.split('\n').length,
        truncated: log.truncated,
      };
    },
  );
};
