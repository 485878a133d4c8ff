import type { CampaignList } from '../../../core/api/campaigns.js';
import { dashboard } from '../../../core/display.js';
import { api } from '../api.js';
import { fill, h } from '../dom.js';

const { ago, pgr } = dashboard;

/** Every campaign, newest first, each linking to its page. */
export async function campaignsPage(root: HTMLElement): Promise<void> {
  const { campaigns } = await api<CampaignList>('/v1/campaigns?limit=200');
  const rows = campaigns.map((c) =>
    h(
      'tr',
      { 'data-testid': 'campaign-row', 'data-campaign': c.id },
      h(
        'td',
        null,
        h('a', { href: `/ui/campaigns/${encodeURIComponent(c.id)}` }, c.name),
        h('div', { class: 'muted small' }, c.id),
      ),
      h('td', null, h('span', { class: `badge ${c.status}` }, c.status)),
      h('td', null, c.taskId),
      h('td', { class: 'num' }, c.agents),
      h('td', { class: 'num' }, c.experiments),
      h('td', { class: 'num' }, pgr(c.bestPgr)),
      h('td', null, ago(c.createdAt)),
    ),
  );
  fill(
    root,
    h('h1', null, 'Campaigns'),
    campaigns.length === 0
      ? h(
          'p',
          { class: 'muted' },
          'No campaigns yet. Start one with ',
          h('code', null, 'aar campaign start -f campaign.yaml'),
          '.',
        )
      : h(
          'table',
          { class: 'table' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['campaign', 'status', 'task', 'agents', 'experiments', 'best PGR', 'started'].map((t, i) =>
                h('th', { class: i >= 3 && i <= 5 ? 'num' : null }, t),
              ),
            ),
          ),
          h('tbody', null, rows),
        ),
  );
}
