import { setTimeout as sleep } from 'node:timers/promises';
import type { CampaignSnapshot } from '../../core/api/snapshot.js';
import { FINISHED_STATUSES } from '../campaign-ref.js';
import { CliError, type RunContext } from '../command.js';
import { ApiError } from '../http-client.js';
import {
  campaignHeader,
  leaderboardTable,
  perAgentExperiments,
  progressLines,
} from '../render/campaign-view.js';
import { clip, plain } from '../render/text.js';
import { serverEvents } from '../sse.js';

/** Reconnections in a row before giving up on the event stream. */
const MAX_RECONNECTS = 5;

/** The lines of one frame: the campaign, a bar per agent, the leaderboard, the newest forum posts. */
export function watchFrame(snapshot: CampaignSnapshot, width: number): string[] {
  const view = snapshot.campaign;
  const threads = snapshot.threads.slice(0, 3).map((t) => {
    const title = t.title === '' ? t.body : t.title;
    return clip(`  #${t.id} ${t.authorId} (${t.kind}): ${plain(title)}`, width);
  });
  return [
    ...campaignHeader(view),
    '',
    ...progressLines(view.agents, perAgentExperiments(view), width),
    '',
    leaderboardTable(snapshot.leaderboard.slice(0, 5)),
    ...(threads.length > 0 ? ['', 'forum:', ...threads] : []),
  ];
}

/**
 * Follows a campaign through the api's event stream, redrawing in place on a terminal (a frame per
 * change otherwise, or one JSON line per snapshot with --json). Reconnects when the stream drops.
 */
export async function watchCampaign(ctx: RunContext, campaignId: string, once: boolean): Promise<number> {
  const controller = new AbortController();
  ctx.signal.addEventListener('abort', () => controller.abort(), { once: true });
  let printed = 0;
  let failures = 0;
  const draw = (snapshot: CampaignSnapshot) => {
    if (ctx.json) return ctx.stdout.write(`${JSON.stringify(snapshot)}\n`);
    const lines = watchFrame(snapshot, ctx.stdout.columns ?? 120);
    if (ctx.stdout.isTTY) {
      if (printed > 0) ctx.stdout.write(`\x1b[${printed}A\x1b[0J`);
      printed = lines.length;
    } else if (printed > 0) ctx.stdout.write(`\n--- ${snapshot.at}\n`);
    else printed = 1;
    ctx.stdout.write(`${lines.join('\n')}\n`);
  };
  for (;;) {
    let result: number | undefined;
    try {
      const response = await ctx.api().stream(`/v1/campaigns/${campaignId}/events`, controller.signal);
      if (response.body === null) throw new CliError('the event stream has no body');
      for await (const event of serverEvents(response.body)) {
        failures = 0;
        if (event.event === 'denied')
          throw new ApiError(
            401,
            'denied',
            `the api server ended the stream: ${event.data} (check AAR_OPERATOR_TOKEN)`,
          );
        if (event.event !== 'snapshot') continue;
        const snapshot = JSON.parse(event.data) as CampaignSnapshot;
        draw(snapshot);
        const status = snapshot.campaign.status;
        if (once || FINISHED_STATUSES.has(status)) {
          if (!once && !ctx.json) ctx.note(`campaign ${campaignId} ${status}`);
          result = once || status === 'completed' ? 0 : 1;
          break;
        }
      }
    } catch (error) {
      // Leaving the stream early may reject as it closes; the result stands.
      if (result === undefined) {
        if (ctx.signal.aborted) {
          ctx.note('stopped watching; the campaign goes on');
          return 0;
        }
        if (error instanceof ApiError) throw error;
      }
    }
    if (result !== undefined) {
      controller.abort();
      return result;
    }
    failures += 1;
    if (failures > MAX_RECONNECTS)
      throw new CliError(
        `lost the event stream of campaign ${campaignId} ${MAX_RECONNECTS} times; giving up`,
      );
    await sleep(1000 * failures, undefined, { signal: ctx.signal }).catch(() => undefined);
    if (ctx.signal.aborted) {
      ctx.note('stopped watching; the campaign goes on');
      return 0;
    }
  }
}
