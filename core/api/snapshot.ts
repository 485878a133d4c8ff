import { type Static, Type } from 'typebox';
import { CampaignView } from './campaigns.js';
import { LeaderboardRow } from './experiments.js';
import { Thread } from './forum.js';
import { PgrPoint } from './results.js';

/**
 * One `snapshot` event of `GET /v1/campaigns/:campaignId/events`: what the read routes answer for
 * the campaign, its leaderboard, its PGR series and its forum threads, read at `at`.
 */
export const CampaignSnapshot = Type.Object({
  at: Type.String(),
  campaign: CampaignView,
  leaderboard: Type.Array(LeaderboardRow),
  series: Type.Array(PgrPoint),
  threads: Type.Array(Thread),
});
export type CampaignSnapshot = Static<typeof CampaignSnapshot>;
