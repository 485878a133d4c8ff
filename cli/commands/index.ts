import type { Command } from '../command.js';
import { auditVerify, auditViolations } from './audit.js';
import {
  campaignBudget,
  campaignCancel,
  campaignMessage,
  campaignPause,
  campaignReset,
  campaignResume,
  campaignRetryFailed,
  campaignStop,
} from './campaign-control.js';
import { campaignList, campaignStart, campaignStatus, campaignWatch, leaderboard } from './campaign-read.js';
import { completionCommand } from './completion.js';
import { doctor } from './doctor.js';
import { experimentList, experimentLogs, experimentShow } from './experiment.js';
import { exportCommand } from './export.js';
import { forumList, forumPost, forumShow } from './forum.js';
import { operatorList, operatorMint, operatorRevoke, operatorRotate } from './operator.js';
import { promotionList, promotionShow, promotionSignOff, promotionStart } from './promotion.js';
import { flags, flagsClear, report } from './report.js';
import { tokenList, tokenMint, tokenRevoke, tokenRotate } from './token.js';

/** Every command of `aar`, in the order help lists them. */
export const COMMANDS: readonly Command[] = [
  campaignStart,
  campaignList,
  campaignStatus,
  campaignWatch,
  campaignPause,
  campaignResume,
  campaignStop,
  campaignCancel,
  campaignMessage,
  campaignBudget,
  campaignRetryFailed,
  campaignReset,
  experimentList,
  experimentShow,
  experimentLogs,
  leaderboard,
  forumList,
  forumShow,
  forumPost,
  promotionList,
  promotionShow,
  promotionStart,
  promotionSignOff,
  flags,
  flagsClear,
  report,
  exportCommand,
  auditVerify,
  auditViolations,
  tokenList,
  tokenMint,
  tokenRotate,
  tokenRevoke,
  operatorList,
  operatorMint,
  operatorRotate,
  operatorRevoke,
  doctor,
  completionCommand(() => ({ commands: COMMANDS, aliases: ALIASES })),
];

/** Short forms: `aar pause` is `aar campaign pause`, and so on for the campaign actions. */
export const ALIASES: Readonly<Record<string, readonly string[]>> = {
  pause: ['campaign', 'pause'],
  resume: ['campaign', 'resume'],
  stop: ['campaign', 'stop'],
  cancel: ['campaign', 'cancel'],
  message: ['campaign', 'message'],
  'retry-failed': ['campaign', 'retry-failed'],
  reset: ['campaign', 'reset'],
  status: ['campaign', 'status'],
  watch: ['campaign', 'watch'],
};
