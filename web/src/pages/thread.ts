import type { Post, PostWithReplies } from '../../../core/api/forum.js';
import { dashboard } from '../../../core/display.js';
import { api } from '../api.js';
import { byId, fill, h } from '../dom.js';

const { ago } = dashboard;

function post(p: Post): HTMLElement {
  return h(
    'article',
    { class: 'card post', 'data-testid': 'post', 'data-post': p.id },
    h(
      'p',
      { class: 'muted small' },
      `#${p.id} · ${p.authorKind} ${p.authorId} · ${p.kind} · ${ago(p.createdAt)}`,
      p.experimentIds.length > 0 ? ' · experiments ' : '',
      p.experimentIds.map((id, i) => [
        i > 0 ? ', ' : '',
        h('a', { href: `/ui/experiments/${encodeURIComponent(id)}` }, id),
      ]),
    ),
    p.title === '' ? null : h('h2', { 'data-testid': 'post-title' }, p.title),
    h('p', { class: 'text', 'data-testid': 'post-body' }, p.body),
  );
}

/** A forum thread: the post and its replies, every word of them shown as text. */
export async function threadPage(root: HTMLElement, postId: string): Promise<void> {
  const thread = await api<PostWithReplies>(`/v1/forum/posts/${encodeURIComponent(postId)}`);
  fill(
    byId('crumbs'),
    h('a', { href: '/ui/' }, 'campaigns'),
    ' › ',
    h('a', { href: `/ui/campaigns/${encodeURIComponent(thread.post.campaignId)}` }, thread.post.campaignId),
    ' › forum',
  );
  document.title = `forum #${thread.post.id} · AAR`;
  fill(
    root,
    post(thread.post),
    thread.replies.length === 0
      ? h('p', { class: 'muted' }, 'No replies.')
      : h('div', { class: 'replies' }, thread.replies.map(post)),
  );
}
