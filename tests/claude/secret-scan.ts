/** Everything a campaign left behind, as text, to search for a secret. */
import type { Client } from '@temporalio/client';
import type pg from 'pg';

/** JSON of a value with every byte array decoded as UTF-8 (history payloads are bytes). */
function decodedJson(value: unknown): string {
  const walk = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      if (typeof (v as { toNumber?: unknown }).toNumber === 'function') return String(v);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return JSON.stringify(walk(value));
}

/** The full history of every workflow that ran on a task queue, decoded. */
export async function historiesText(
  client: Client,
  taskQueue: string,
): Promise<{ ids: string[]; text: string }> {
  const ids: string[] = [];
  const texts: string[] = [];
  for await (const workflow of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) {
    ids.push(workflow.workflowId);
    const history = await client.workflow.getHandle(workflow.workflowId, workflow.runId).fetchHistory();
    texts.push(decodedJson(history));
  }
  return { ids, text: texts.join('\n') };
}

/** Every row of every table of a database, as JSON text. */
export async function databaseText(pool: pg.Pool): Promise<{ tables: string[]; text: string }> {
  const { rows } = await pool.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  const texts: string[] = [];
  for (const { name } of rows) {
    const table = await pool.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${name}" t`);
    texts.push(...table.rows.map((r) => r.row));
  }
  return { tables: rows.map((r) => r.name), text: texts.join('\n') };
}

/** Copies what is written to stdout and stderr into `into` until the returned function is called. */
export function teeProcessOutput(into: string[]): () => void {
  const restore: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write;
    stream.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof stream.write;
    restore.push(() => {
      stream.write = write;
    });
  }
  return () => {
    for (const r of restore) r();
  };
}
