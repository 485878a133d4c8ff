import type { CampaignList, CampaignView } from '../core/api/campaigns.js';
import { CliError, type RunContext } from './command.js';

/** A campaign id as the api accepts it. */
export const CAMPAIGN_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * The campaign a command is about: the id given, or else the newest campaign (said on stderr, so
 * `aar campaign status` right after `make demo` shows the demo).
 */
export async function campaignIdOf(ctx: RunContext, given: string | undefined): Promise<string> {
  if (given !== undefined) {
    if (!CAMPAIGN_ID.test(given))
      throw new CliError(`'${given}' is not a campaign id (lower-case letters, digits and dashes)`, 2);
    return given;
  }
  const { campaigns } = await ctx.api().get<CampaignList>('/v1/campaigns?limit=1');
  const newest = campaigns[0];
  if (newest === undefined)
    throw new CliError('there is no campaign yet: start one with `aar campaign start -f <file>`');
  ctx.note(`campaign ${newest.id} (the newest; name one to choose another)`);
  return newest.id;
}

export const readCampaign = (ctx: RunContext, campaignId: string): Promise<CampaignView> =>
  ctx.api().get<CampaignView>(`/v1/campaigns/${campaignId}`);

export const FINISHED_STATUSES = new Set(['completed', 'cancelled', 'failed']);
