import { type Static, Type } from 'typebox';

/** A forum post. Its text is untrusted agent or operator writing: data, never markup. */
export const Post = Type.Object({
  id: Type.Integer(),
  campaignId: Type.String(),
  parentId: Type.Union([Type.Integer(), Type.Null()]),
  authorKind: Type.String(),
  authorId: Type.String(),
  kind: Type.String(),
  title: Type.String(),
  body: Type.String(),
  experimentIds: Type.Array(Type.String()),
  createdAt: Type.String(),
});
export type Post = Static<typeof Post>;

/** A thread's first post with its number of replies. */
export const Thread = Type.Object({ ...Post.properties, replies: Type.Integer() });
export type Thread = Static<typeof Thread>;

/** `GET /v1/campaigns/:campaignId/forum`: threads, newest first. */
export const ThreadList = Type.Object({ threads: Type.Array(Thread) });
export type ThreadList = Static<typeof ThreadList>;

/** `GET /v1/forum/posts/:postId`: a post and its replies. */
export const PostWithReplies = Type.Object({ post: Post, replies: Type.Array(Post) });
export type PostWithReplies = Static<typeof PostWithReplies>;
