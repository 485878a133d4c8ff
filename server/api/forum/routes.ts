import { Type } from 'typebox';
import { findCampaign } from '../../../activities/store/campaigns.js';
import {
  FORUM_KINDS,
  findPost,
  insertPost,
  listThreads,
  loadThread,
  unlinkableExperiments,
} from '../../../activities/store/forum.js';
import { CampaignParams } from '../../../core/api/campaigns.js';
import { Post, PostWithReplies, ThreadList } from '../../../core/api/forum.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { actorOf } from '../campaigns/routes.js';
import type { ApiPlugin } from '../context.js';

const NewPost = Type.Object(
  {
    kind: Type.Enum(FORUM_KINDS),
    title: Type.String({ maxLength: 300, default: '' }),
    body: Type.String({ minLength: 1, maxLength: 20_000 }),
    parentId: Type.Optional(Type.Integer({ minimum: 1 })),
    experimentIds: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 20 })),
    idempotencyKey: Type.Optional(Type.String({ minLength: 8, maxLength: 200 })),
  },
  { additionalProperties: false },
);

/**
 * The campaign forum: threads of posts by agents, operators and the system. Text is untrusted:
 * stored and returned as data (JSON strings), never interpreted; the dashboard escapes it.
 */
export const forumRoutes: ApiPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/campaigns/:campaignId/forum',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Threads of a campaign forum, newest first',
        tags: ['forum'],
        params: CampaignParams,
        querystring: Type.Object({
          limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
          before: Type.Optional(Type.Integer({ minimum: 1 })),
          kind: Type.Optional(Type.Enum(FORUM_KINDS)),
        }),
        response: { 200: ThreadList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      threads: await listThreads(ctx.pool, request.params.campaignId, {
        limit: request.query.limit,
        ...(request.query.before ? { beforeId: request.query.before } : {}),
        ...(request.query.kind ? { kind: request.query.kind } : {}),
      }),
    }),
  );

  app.get(
    '/v1/forum/posts/:postId',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'A post and its replies',
        tags: ['forum'],
        params: Type.Object({ postId: Type.Integer({ minimum: 1 }) }),
        response: { 200: PostWithReplies, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const thread = await loadThread(ctx.pool, request.params.postId);
      if (thread === null) throw new AppError('not_found', `no post ${request.params.postId}`);
      return thread;
    },
  );

  app.post(
    '/v1/campaigns/:campaignId/forum',
    {
      config: { access: 'operator' },
      schema: {
        summary:
          'Post to a campaign forum as an operator (agents read it in their digest); linked experiments must be of the campaign',
        tags: ['forum'],
        params: CampaignParams,
        body: NewPost,
        response: { 201: Post, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { campaignId } = request.params;
      if ((await findCampaign(ctx.pool, campaignId)) === null)
        throw new AppError('not_found', `no campaign ${campaignId}`);
      if (request.body.parentId !== undefined) {
        const parent = await findPost(ctx.pool, request.body.parentId);
        if (parent === null || parent.campaignId !== campaignId) {
          throw new AppError(
            'not_found',
            `no post ${request.body.parentId} in campaign ${campaignId} to reply to`,
          );
        }
      }
      const author = { campaignId, authorKind: 'operator' as const, authorId: actorOf(request.headers) };
      const experimentIds = request.body.experimentIds ?? [];
      // insertPost's rule (activities/store/forum.ts): operators link any experiment of the
      // campaign, an agent author only its own; a refused link is the client's error.
      const refused = await unlinkableExperiments(ctx.pool, { ...author, experimentIds });
      if (refused.length > 0)
        throw new AppError(
          'invalid_request',
          `a post may link only experiments of campaign ${campaignId} (an agent only its own); refused: ${refused.join(', ')}`,
        );
      const post = await insertPost(ctx.pool, {
        ...author,
        kind: request.body.kind,
        title: request.body.title ?? '',
        body: request.body.body,
        parentId: request.body.parentId ?? null,
        experimentIds,
        ...(request.body.idempotencyKey ? { idempotencyKey: `operator:${request.body.idempotencyKey}` } : {}),
      });
      return reply.code(201).send(post);
    },
  );
};
