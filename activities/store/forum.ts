import type { Queryable } from '../../runtime/db.js';

export const FORUM_KINDS = ['finding', 'result', 'question', 'message'] as const;
export type ForumKind = (typeof FORUM_KINDS)[number];

export interface ForumPost {
  readonly id: number;
  readonly campaignId: string;
  readonly parentId: number | null;
  readonly authorKind: 'agent' | 'operator' | 'system';
  readonly authorId: string;
  readonly kind: ForumKind;
  readonly title: string;
  readonly body: string;
  readonly experimentIds: string[];
  readonly createdAt: string;
}

export interface NewForumPost {
  readonly campaignId: string;
  readonly parentId?: number | null;
  readonly authorKind: ForumPost['authorKind'];
  readonly authorId: string;
  readonly kind: ForumKind;
  readonly title: string;
  readonly body: string;
  readonly experimentIds?: readonly string[];
  /** Makes the post happen once: a retried activity or a re-sent request returns the first post. */
  readonly idempotencyKey?: string;
}

interface Row {
  id: string;
  campaign_id: string;
  parent_id: string | null;
  author_kind: ForumPost['authorKind'];
  author_id: string;
  kind: ForumKind;
  title: string;
  body: string;
  experiment_ids: string[];
  created_at: Date;
}

const toPost = (r: Row): ForumPost => ({
  id: Number(r.id),
  campaignId: r.campaign_id,
  parentId: r.parent_id === null ? null : Number(r.parent_id),
  authorKind: r.author_kind,
  authorId: r.author_id,
  kind: r.kind,
  title: r.title,
  body: r.body,
  experimentIds: r.experiment_ids,
  createdAt: r.created_at.toISOString(),
});

/** A post that links experiments its author may not link; `experimentIds` names them. */
export class LinkRefused extends Error {
  constructor(readonly experimentIds: readonly string[]) {
    super(`a post may not link ${experimentIds.join(', ')}`);
    this.name = 'LinkRefused';
  }
}

/**
 * The experiments of `post` its author may not link: an agent links only its own research
 * experiments of the campaign; operators and the system link any experiment of the campaign.
 */
export async function unlinkableExperiments(
  pool: Queryable,
  post: Pick<NewForumPost, 'campaignId' | 'authorKind' | 'authorId' | 'experimentIds'>,
): Promise<string[]> {
  const ids = [...new Set(post.experimentIds ?? [])];
  if (ids.length === 0) return [];
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM experiments WHERE id = ANY($1) AND campaign_id = $2
       AND ($3::text IS NULL OR (agent_id = $3 AND kind = 'research'))`,
    [ids, post.campaignId, post.authorKind === 'agent' ? post.authorId : null],
  );
  const linkable = new Set(rows.map((r) => r.id));
  return ids.filter((id) => !linkable.has(id));
}

/**
 * Forum text is untrusted data: stored as given, length-checked by the schema, never interpreted.
 * Linked experiments are checked (`unlinkableExperiments`): a refused link throws `LinkRefused`.
 */
export async function insertPost(pool: Queryable, post: NewForumPost): Promise<ForumPost> {
  const refused = await unlinkableExperiments(pool, post);
  if (refused.length > 0) throw new LinkRefused(refused);
  const { rows } = await pool.query<Row>(
    `INSERT INTO forum_posts (campaign_id, parent_id, author_kind, author_id, kind, title, body, experiment_ids, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
     RETURNING *`,
    [
      post.campaignId,
      post.parentId ?? null,
      post.authorKind,
      post.authorId,
      post.kind,
      post.title,
      post.body,
      post.experimentIds ?? [],
      post.idempotencyKey ?? null,
    ],
  );
  return toPost(rows[0]!);
}

export async function findPost(pool: Queryable, id: number): Promise<ForumPost | null> {
  const { rows } = await pool.query<Row>('SELECT * FROM forum_posts WHERE id = $1', [id]);
  return rows[0] ? toPost(rows[0]) : null;
}

/** Top-level posts of a campaign, newest first, with their reply counts. */
export async function listThreads(
  pool: Queryable,
  campaignId: string,
  options: { limit?: number; beforeId?: number; kind?: ForumKind } = {},
): Promise<(ForumPost & { replies: number })[]> {
  const { rows } = await pool.query<Row & { replies: string }>(
    `SELECT p.*, (SELECT count(*) FROM forum_posts c WHERE c.parent_id = p.id) AS replies
     FROM forum_posts p
     WHERE p.campaign_id = $1 AND p.parent_id IS NULL AND ($2::bigint IS NULL OR p.id < $2)
       AND ($3::text IS NULL OR p.kind = $3)
     ORDER BY p.id DESC LIMIT $4`,
    [campaignId, options.beforeId ?? null, options.kind ?? null, options.limit ?? 50],
  );
  return rows.map((r) => ({ ...toPost(r), replies: Number(r.replies) }));
}

/** A post and its replies, oldest reply first. */
export async function loadThread(
  pool: Queryable,
  id: number,
): Promise<{ post: ForumPost; replies: ForumPost[] } | null> {
  const post = await findPost(pool, id);
  if (post === null) return null;
  const { rows } = await pool.query<Row>('SELECT * FROM forum_posts WHERE parent_id = $1 ORDER BY id', [id]);
  return { post, replies: rows.map(toPost) };
}

/** The newest posts of a campaign, newest first (what an agent reads as its forum digest). */
export async function recentPosts(pool: Queryable, campaignId: string, limit: number): Promise<ForumPost[]> {
  const { rows } = await pool.query<Row>(
    'SELECT * FROM forum_posts WHERE campaign_id = $1 ORDER BY id DESC LIMIT $2',
    [campaignId, limit],
  );
  return rows.map(toPost);
}

/**
 * Research experiments other agents linked from their forum posts (each its own: a link to someone
 * else's experiment is not followed), with the spec and Ladder score this database recorded for
 * them (trusted numbers, not the post's text). Newest posts first.
 */
export async function sharedExperiments(
  pool: Queryable,
  campaignId: string,
  excludeAgentId: string,
  limit: number,
): Promise<
  { experimentId: string; agentId: string; spec: unknown; status: string; reportedPgr: number | null }[]
> {
  const { rows } = await pool.query<{
    id: string;
    agent_id: string;
    spec: unknown;
    status: string;
    reported: number | null;
  }>(
    `SELECT DISTINCT ON (e.id) e.id, e.agent_id, e.spec, e.status,
            (r.public_score->'reported'->>'reportedPgr')::float8 AS reported
     FROM (SELECT unnest(experiment_ids) AS experiment_id, id AS post_id, author_id FROM forum_posts
           WHERE campaign_id = $1 AND author_kind = 'agent' AND author_id <> $2
           ORDER BY id DESC LIMIT $3) p
     JOIN experiments e ON e.id = p.experiment_id AND e.campaign_id = $1
       AND e.agent_id = p.author_id AND e.kind = 'research'
     LEFT JOIN eval_receipts r ON r.experiment_id = e.id`,
    [campaignId, excludeAgentId, limit],
  );
  return rows.map((r) => ({
    experimentId: r.id,
    agentId: r.agent_id,
    spec: r.spec,
    status: r.status,
    reportedPgr: r.reported,
  }));
}
