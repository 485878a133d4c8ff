/**
 * The dashboard: one script for every page under /ui/, chosen by the path. Data comes from the
 * api's /v1 routes with the session cookie the login page obtained.
 */
import { api, HttpError } from './api.js';
import { byId, fill, h } from './dom.js';
import { campaignPage } from './pages/campaign.js';
import { campaignsPage } from './pages/campaigns.js';
import { experimentPage } from './pages/experiment.js';
import { loginPage } from './pages/login.js';
import { threadPage } from './pages/thread.js';

async function route(root: HTMLElement): Promise<void> {
  const path = location.pathname.replace(/\/+$/, '') || '/ui';
  if (path === '/ui/login') return loginPage(root);
  const logout = byId('logout');
  logout.hidden = false;
  logout.addEventListener('click', async () => {
    await api('/v1/session', { method: 'DELETE' }).catch(() => undefined);
    location.assign('/ui/login');
  });
  if (path === '/ui') return campaignsPage(root);
  const campaign = /^\/ui\/campaigns\/([a-z0-9-]+)$/.exec(path);
  if (campaign) return campaignPage(root, campaign[1]!);
  const experiment = /^\/ui\/experiments\/([a-z0-9-]+)$/.exec(path);
  if (experiment) return experimentPage(root, experiment[1]!);
  const thread = /^\/ui\/forum\/(\d+)$/.exec(path);
  if (thread) return threadPage(root, thread[1]!);
  fill(root, h('h1', null, 'Not found'), h('p', null, h('a', { href: '/ui/' }, 'All campaigns')));
}

const root = byId('app');
route(root).catch((error: unknown) => {
  if (error instanceof HttpError && error.status === 401) return;
  fill(
    root,
    h('h1', null, 'Something went wrong'),
    h('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error)),
    h('p', null, h('a', { href: '/ui/' }, 'All campaigns')),
  );
});
