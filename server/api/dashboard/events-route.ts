import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import { CampaignParams, type CampaignView } from '../../../core/api/campaigns.js';
import type { Leaderboard } from '../../../core/api/experiments.js';
import type { ThreadList } from '../../../core/api/forum.js';
import type { PgrSeries } from '../../../core/api/results.js';
import type { CampaignSnapshot } from '../../../core/api/snapshot.js';
import { AppError, errorResponses } from '../../http/errors.js';
import type { ApiPlugin } from '../context.js';

/** How often a stream re-reads its campaign; a finished campaign is re-read less often. */
const POLL_MS = 1500;
const FINISHED_POLL_MS = 10_000;
/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;
const FINISHED = new Set(['completed', 'cancelled', 'failed']);

type Read = { ok: true; snapshot: CampaignSnapshot } | { ok: false; status: number; body: unknown };

/**
 * Reads a snapshot through the api's own read routes, with the caller's credentials: the stream
 * shows exactly what those routes would, and stops when the caller's session stops being valid.
 */
async function readSnapshot(
  get: (url: string) => Promise<{ statusCode: number; json(): unknown }>,
  campaignId: string,
): Promise<Read> {
  const base = `/v1/campaigns/${campaignId}`;
  const [campaign, board, series, forum] = await Promise.all([
    get(base),
    get(`${base}/leaderboard`),
    get(`${base}/pgr-series`),
    get(`${base}/forum?limit=50`),
  ]);
  for (const answer of [campaign, board, series, forum]) {
    if (answer.statusCode !== 200) return { ok: false, status: answer.statusCode, body: answer.json() };
  }
  return {
    ok: true,
    snapshot: {
      at: new Date().toISOString(),
      campaign: campaign.json() as CampaignView,
      leaderboard: (board.json() as Leaderboard).leaderboard,
      series: (series.json() as PgrSeries).points,
      threads: (forum.json() as ThreadList).threads,
    },
  };
}

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * `GET /v1/campaigns/:id/events`: a server-sent event stream of campaign snapshots (the campaign
 * with its agents' live state, the leaderboard, PGR over time, forum threads). A `snapshot` event
 * is sent first and then whenever something changed; `denied` ends a stream whose credentials
 * stopped working. Authenticated by the dashboard's session cookie (EventSource sends it) or the
 * operator bearer token (the CLI's `campaign watch`).
 */
export const eventsRoute: ApiPlugin = async (app) => {
  const open = new Set<() => void>();
  // Streams never go idle; end them first, or closing the server would wait for them.
  app.addHook('preClose', async () => {
    for (const stop of [...open]) stop();
  });

  app.get(
    '/v1/campaigns/:campaignId/events',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Server-sent events: a snapshot of the campaign whenever it changes',
        tags: ['dashboard'],
        params: CampaignParams,
        response: {
          200: Type.String({ description: 'text/event-stream' }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const credentials: Record<string, string> = {};
      for (const name of ['authorization', 'cookie'] as const) {
        const value = request.headers[name];
        if (typeof value === 'string') credentials[name] = value;
      }
      const { campaignId } = request.params;
      const get = (url: string) => app.inject({ method: 'GET', url, headers: credentials });
      const first = await readSnapshot(get, campaignId);
      if (!first.ok) {
        const error = (first.body as { error?: { code?: string; message?: string } }).error;
        throw new AppError(error?.code ?? 'internal', error?.message ?? 'could not read the campaign', {
          status: first.status,
        });
      }
      reply.hijack();
      const raw: ServerResponse = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      let closed = false;
      let timer: NodeJS.Timeout | undefined;
      const stop = () => {
        if (closed) return;
        closed = true;
        clearTimeout(timer);
        open.delete(stop);
        raw.end();
      };
      open.add(stop);
      request.raw.on('close', stop);

      let last = JSON.stringify({ ...first.snapshot, at: '' });
      let quietSince = Date.now();
      raw.write(`retry: 3000\n${frame('snapshot', first.snapshot)}`);
      const tick = async () => {
        if (closed) return;
        const read = await readSnapshot(get, campaignId).catch(() => null);
        if (closed) return;
        if (read !== null && !read.ok) {
          raw.write(frame('denied', { status: read.status, error: read.body }));
          stop();
          return;
        }
        const comparable = read ? JSON.stringify({ ...read.snapshot, at: '' }) : last;
        if (read && comparable !== last) {
          last = comparable;
          quietSince = Date.now();
          raw.write(frame('snapshot', read.snapshot));
        } else if (Date.now() - quietSince >= KEEPALIVE_MS) {
          quietSince = Date.now();
          raw.write(': keep-alive\n\n');
        }
        const finished = read?.ok === true && FINISHED.has(read.snapshot.campaign.status);
        timer = setTimeout(tick, finished ? FINISHED_POLL_MS : POLL_MS);
      };
      timer = setTimeout(tick, POLL_MS);
    },
  );
};
