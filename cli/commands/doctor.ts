import type { Config } from '../../runtime/config.js';
import { type Command, intOpt } from '../command.js';

/** One check: what was checked where, and what is wrong (with what to do) when it failed. */
export interface Check {
  readonly name: string;
  readonly target: string;
  readonly ok: boolean;
  readonly detail: string;
}

const TIMEOUT_MS = 5000;
/** A worker that has not polled its queue for this long is gone (polls are held up to a minute). */
const POLLER_SILENCE_S = 90;

const secondsOf = (d: { seconds?: unknown } | null | undefined): number => Number(String(d?.seconds ?? 0));

async function timed<T>(what: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      what,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const reason = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as Error).message.split('\n')[0] ?? String(error);
};

async function httpCheck(
  name: string,
  url: string,
  token: string | undefined,
  tokenVariable: string | null,
  urlVariable: string,
): Promise<Check> {
  if (tokenVariable !== null && token === undefined)
    return { name, target: url, ok: false, detail: `${tokenVariable} is not set` };
  try {
    const response = await fetch(url, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (response.ok) return { name, target: url, ok: true, detail: `answered ${response.status}` };
    const hint =
      response.status === 401 || response.status === 403
        ? `: ${tokenVariable} is not accepted by this server`
        : '';
    return { name, target: url, ok: false, detail: `answered ${response.status}${hint}` };
  } catch (error) {
    return {
      name,
      target: url,
      ok: false,
      detail: `unreachable (${reason(error)}): is it running? is ${urlVariable} right?`,
    };
  }
}

async function databaseCheck(
  name: string,
  url: string,
  set: 'record' | 'eval',
  variable: string,
): Promise<Check> {
  const target = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: TIMEOUT_MS });
  try {
    await timed(client.connect());
    await timed(client.query('SELECT 1'));
    const { assertSchemaCurrent } = await import('../../db/migrate.js');
    await timed(assertSchemaCurrent(client, set));
    return { name, target, ok: true, detail: 'connected; schema current' };
  } catch (error) {
    return {
      name,
      target,
      ok: false,
      detail: `${reason(error)} (check ${variable}; \`make dev-up\` migrates the dev stack)`,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function temporalChecks(config: Config, maxTaskWaitS: number): Promise<Check[]> {
  const target = config.TEMPORAL_ADDRESS;
  const { Connection } = await import('@temporalio/client');
  let connection: Awaited<ReturnType<typeof Connection.connect>>;
  try {
    connection = await timed(Connection.connect({ address: target, connectTimeout: TIMEOUT_MS }));
  } catch (error) {
    return [
      {
        name: 'temporal',
        target,
        ok: false,
        detail: `unreachable (${reason(error)}): check TEMPORAL_ADDRESS`,
      },
    ];
  }
  try {
    const service = connection.workflowService;
    const checks: Check[] = [];
    try {
      await timed(service.describeNamespace({ namespace: config.TEMPORAL_NAMESPACE }));
      checks.push({
        name: 'temporal',
        target,
        ok: true,
        detail: `namespace ${config.TEMPORAL_NAMESPACE} exists`,
      });
    } catch (error) {
      checks.push({
        name: 'temporal',
        target,
        ok: false,
        detail: `namespace ${config.TEMPORAL_NAMESPACE}: ${reason(error)} (check TEMPORAL_NAMESPACE)`,
      });
      return checks;
    }
    const { queueNames } = await import('../../workflows/definitions.js');
    const queues = queueNames(config.AAR_QUEUE_PREFIX);
    const nowS = Date.now() / 1000;
    for (const [worker, queue, type] of [
      ['orchestrator worker', queues.orchestrator, 1],
      ['dispatch worker', queues.dispatch, 2],
    ] as const) {
      const answer = await timed(
        service.describeTaskQueue({
          namespace: config.TEMPORAL_NAMESPACE,
          taskQueue: { name: queue, kind: 1 },
          taskQueueType: type,
          reportStats: true,
        }),
      );
      const lastSeen = Math.max(0, ...(answer.pollers ?? []).map((p) => secondsOf(p.lastAccessTime)));
      const silentFor = Math.round(nowS - lastSeen);
      const waiting = secondsOf(answer.stats?.approximateBacklogAge);
      const name = `${worker}`;
      if (lastSeen === 0 || silentFor > POLLER_SILENCE_S) {
        checks.push({
          name,
          target: `task queue ${queue}`,
          ok: false,
          detail: `no worker polls it${lastSeen === 0 ? '' : ` (last poll ${silentFor} s ago)`}: start the ${worker} (check AAR_QUEUE_PREFIX)`,
        });
      } else if (type === 1 && waiting > maxTaskWaitS) {
        checks.push({
          name,
          target: `task queue ${queue}`,
          ok: false,
          detail: `workflow tasks have waited ${waiting} s: its workers are stuck, crashed or too few`,
        });
      } else {
        const queued =
          type === 2 && waiting > 0 ? `; trainer runs wait for a slot (oldest ${waiting} s)` : '';
        checks.push({
          name,
          target: `task queue ${queue}`,
          ok: true,
          detail: `polled ${silentFor} s ago${queued}`,
        });
      }
    }
    return checks;
  } catch (error) {
    return [{ name: 'temporal', target, ok: false, detail: reason(error) }];
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** Every check of the services the configuration points at, run side by side. */
export async function runChecks(config: Config, maxTaskWaitS: number): Promise<Check[]> {
  const groups = await Promise.all([
    httpCheck('api server', `${config.AAR_API_URL}/healthz`, undefined, null, 'AAR_API_URL'),
    httpCheck(
      'api operator token',
      `${config.AAR_API_URL}/v1/session`,
      config.AAR_OPERATOR_TOKEN,
      'AAR_OPERATOR_TOKEN',
      'AAR_API_URL',
    ),
    httpCheck('eval server', `${config.AAR_EVAL_URL}/healthz`, undefined, null, 'AAR_EVAL_URL'),
    httpCheck(
      'eval admin token',
      `${config.AAR_EVAL_URL}/v1/admin/audit?limit=1`,
      config.AAR_EVAL_ADMIN_TOKEN,
      'AAR_EVAL_ADMIN_TOKEN',
      'AAR_EVAL_URL',
    ),
    databaseCheck('record database', config.DATABASE_URL, 'record', 'DATABASE_URL'),
    databaseCheck('eval database', config.EVAL_DATABASE_URL, 'eval', 'EVAL_DATABASE_URL'),
    temporalChecks(config, maxTaskWaitS),
    httpCheck('temporal ui', config.TEMPORAL_UI_URL, undefined, null, 'TEMPORAL_UI_URL'),
  ]);
  return groups.flat();
}

export const doctor: Command = {
  path: ['doctor'],
  summary: 'Check every service the configuration points at, and say what is wrong',
  usage: '[--max-task-wait <seconds>]',
  options: {
    'max-task-wait': {
      type: 'string',
      description:
        'Workflow tasks waiting longer than this mean the orchestrator workers are not working (default 30).',
    },
  },
  positionals: { min: 0, max: 0 },
  reads: true,
  details:
    'The api and eval servers and their tokens, both databases and their schema, Temporal and its namespace, a worker on each task queue, the Temporal UI. Exits 1 when any check fails.',
  async run(ctx, input) {
    const checks = await runChecks(ctx.config(), intOpt(input, 'max-task-wait', 30));
    const failed = checks.filter((c) => !c.ok);
    if (ctx.json) ctx.printJson({ ok: failed.length === 0, checks });
    else {
      const width = Math.max(...checks.map((c) => c.name.length));
      for (const c of checks)
        ctx.print(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(width)}  ${c.target}: ${c.detail}`);
      ctx.print(
        failed.length === 0 ? 'everything answers' : `${failed.length} of ${checks.length} checks failed`,
      );
    }
    return failed.length === 0 ? 0 : 1;
  },
};
