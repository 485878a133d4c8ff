import type { Queryable } from '../../runtime/db.js';

export type NotebookEntryKind = 'note' | 'analysis' | 'summary';

export interface NotebookEntry {
  readonly id: number;
  readonly kind: NotebookEntryKind;
  readonly body: string;
  readonly createdAt: string;
}

/** What an agent reads of its notebook: the newest summary and every entry written after what it covers. */
export interface NotebookView {
  readonly summary: NotebookEntry | null;
  readonly entries: readonly NotebookEntry[];
}

interface Row {
  id: string;
  kind: NotebookEntryKind;
  body: string;
  covers_through: string | null;
  created_at: Date;
}

const toEntry = (r: Row): NotebookEntry => ({
  id: Number(r.id),
  kind: r.kind,
  body: r.body,
  createdAt: r.created_at.toISOString(),
});

/** Appends an entry once per idempotency key; a retried step returns the first entry's id. */
export async function appendNotebookEntry(
  pool: Queryable,
  entry: {
    campaignId: string;
    agentId: string;
    kind: NotebookEntryKind;
    body: string;
    idempotencyKey: string;
    coversThrough?: number;
  },
): Promise<number> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO agent_notebook_entries (campaign_id, agent_id, kind, body, covers_through, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
     RETURNING id`,
    [
      entry.campaignId,
      entry.agentId,
      entry.kind,
      entry.body.slice(0, 20_000),
      entry.coversThrough ?? null,
      entry.idempotencyKey,
    ],
  );
  return Number(rows[0]!.id);
}

/** The agent's newest summary and the notes and analyses written after the entries it folds in. */
export async function readNotebook(
  pool: Queryable,
  campaignId: string,
  agentId: string,
): Promise<NotebookView> {
  const summaries = await pool.query<Row>(
    `SELECT * FROM agent_notebook_entries WHERE campaign_id = $1 AND agent_id = $2 AND kind = 'summary'
     ORDER BY id DESC LIMIT 1`,
    [campaignId, agentId],
  );
  const summary = summaries.rows[0];
  const { rows } = await pool.query<Row>(
    `SELECT * FROM agent_notebook_entries WHERE campaign_id = $1 AND agent_id = $2 AND kind <> 'summary'
       AND id > $3 ORDER BY id`,
    [campaignId, agentId, summary?.covers_through ?? 0],
  );
  return { summary: summary ? toEntry(summary) : null, entries: rows.map(toEntry) };
}
