import type { Post, PostWithReplies, ThreadList } from '../../core/api/forum.js';
import { terminal } from '../../core/display.js';
import { campaignIdOf } from '../campaign-ref.js';
import { type Command, intOpt, stringOpt, UsageError } from '../command.js';
import { table } from '../render/table.js';
import { clip, plain } from '../render/text.js';

const { ago } = terminal;

const KINDS = ['finding', 'result', 'question', 'message'];

export const forumList: Command = {
  path: ['forum', 'list'],
  summary: "A campaign forum's threads, newest first",
  usage: '[<campaign>] [--kind <kind>] [--limit <n>]',
  options: {
    kind: { type: 'string', description: 'Only this kind of post.', choices: KINDS },
    limit: { type: 'string', description: 'At most this many threads (default 50).' },
  },
  positionals: { min: 0, max: 1 },
  reads: true,
  async run(ctx, input) {
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const query = new URLSearchParams({ limit: String(intOpt(input, 'limit', 50)) });
    const kind = stringOpt(input, 'kind');
    if (kind !== undefined) query.set('kind', kind);
    const { threads } = await ctx.api().get<ThreadList>(`/v1/campaigns/${campaignId}/forum?${query}`);
    if (ctx.json) return ctx.printJson({ campaignId, threads });
    if (threads.length === 0) {
      ctx.print('no posts yet');
      return 0;
    }
    const width = Math.max(30, (ctx.stdout.columns ?? 160) - 60);
    ctx.print(
      table(
        ['post', 'author', 'kind', 'replies', 'posted', 'title'],
        threads.map((t) => [
          String(t.id),
          `${t.authorKind}:${t.authorId}`,
          t.kind,
          String(t.replies),
          ago(t.createdAt),
          clip(plain(t.title === '' ? t.body : t.title), width),
        ]),
      ),
    );
    return 0;
  },
};

export const forumShow: Command = {
  path: ['forum', 'show'],
  summary: 'A forum post and its replies',
  usage: '<post-id>',
  positionals: { min: 1, max: 1 },
  reads: true,
  async run(ctx, input) {
    const postId = input.positionals[0]!;
    if (!/^\d+$/.test(postId)) throw new UsageError(`'${postId}' is not a post id (a number)`);
    const thread = await ctx.api().get<PostWithReplies>(`/v1/forum/posts/${postId}`);
    if (ctx.json) return ctx.printJson(thread);
    for (const post of [thread.post, ...thread.replies]) {
      const links = post.experimentIds.length > 0 ? ` · experiments ${post.experimentIds.join(', ')}` : '';
      ctx.print(`#${post.id} ${post.authorKind}:${post.authorId} · ${post.kind} · ${post.createdAt}${links}`);
      if (post.title !== '') ctx.print(plain(post.title));
      ctx.print(plain(post.body, true));
      ctx.print('');
    }
    return 0;
  },
};

export const forumPost: Command = {
  path: ['forum', 'post'],
  summary: "Post to a campaign's forum as an operator (agents read it in their digest)",
  usage: '[<campaign>] <text> [--title <title>] [--kind <kind>] [--reply-to <post-id>] [--experiment <id>]',
  options: {
    title: { type: 'string', description: 'A title (a thread) or none (a reply).' },
    kind: {
      type: 'string',
      description: 'finding, result, question or message (default message).',
      choices: KINDS,
    },
    'reply-to': { type: 'string', description: 'Reply to this post.' },
    experiment: { type: 'string', description: 'Link an experiment.' },
  },
  positionals: { min: 1, max: 2 },
  async run(ctx, input) {
    const [given, text] =
      input.positionals.length === 2 ? input.positionals : [undefined, input.positionals[0]];
    const kind = stringOpt(input, 'kind') ?? 'message';
    if (!KINDS.includes(kind)) throw new UsageError(`--kind is one of ${KINDS.join(', ')}, not '${kind}'`);
    const replyTo = stringOpt(input, 'reply-to');
    if (replyTo !== undefined && !/^\d+$/.test(replyTo)) throw new UsageError('--reply-to expects a post id');
    const campaignId = await campaignIdOf(ctx, given);
    const experiment = stringOpt(input, 'experiment');
    const post = await ctx.api().post<Post>(`/v1/campaigns/${campaignId}/forum`, {
      kind,
      title: stringOpt(input, 'title') ?? '',
      body: text,
      ...(replyTo === undefined ? {} : { parentId: Number(replyTo) }),
      ...(experiment === undefined ? {} : { experimentIds: [experiment] }),
    });
    if (ctx.json) return ctx.printJson(post);
    ctx.print(`posted #${post.id} to the forum of campaign ${campaignId}`);
    return 0;
  },
};
