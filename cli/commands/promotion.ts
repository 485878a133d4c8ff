import type { Promotion, PromotionList, PromotionStarted } from '../../core/api/promotions.js';
import { terminal } from '../../core/display.js';
import type { PromotionNumbers } from '../../workflows/definitions.js';
import { campaignIdOf } from '../campaign-ref.js';
import { CliError, type Command, stringOpt, UsageError } from '../command.js';
import { table } from '../render/table.js';

const { pgr } = terminal;

/** What the gate measured: the api serves the stored column, which the promotion workflow writes. */
const numbersOf = (promotion: Promotion) => promotion.numbers as PromotionNumbers | null;

export const promotionList: Command = {
  path: ['promotion', 'list'],
  summary: 'Promotions of a campaign: public vs private vs held-out PGR, p-values, verdicts',
  usage: '[<campaign>]',
  positionals: { min: 0, max: 1 },
  reads: true,
  async run(ctx, input) {
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const { promotions } = await ctx.api().get<PromotionList>(`/v1/campaigns/${campaignId}/promotions`);
    if (ctx.json) return ctx.printJson({ campaignId, promotions });
    if (promotions.length === 0) {
      ctx.print('no promotions yet (aar promotion start <experiment> puts one through the gate)');
      return 0;
    }
    ctx.print(
      table(
        ['promotion', 'state', 'public', 'private', 'vs naive (p)', 'held-out (p)', 'p threshold'],
        promotions.map((p) => {
          const numbers = numbersOf(p);
          return [
            p.id,
            p.state,
            pgr(numbers?.publicPgr),
            pgr(numbers?.private.meanPgr.candidate),
            numbers
              ? `${pgr(numbers.private.vsNaive.pgrDifference)} (${numbers.private.vsNaive.pValue.toPrecision(2)})`
              : '-',
            numbers?.heldOut
              ? `${pgr(numbers.heldOut.vsNaive.pgrDifference)} (${numbers.heldOut.vsNaive.pValue.toPrecision(2)})`
              : '-',
            numbers ? numbers.threshold.toPrecision(2) : '-',
          ];
        }),
      ),
    );
    return 0;
  },
};

export const promotionShow: Command = {
  path: ['promotion', 'show'],
  summary: 'One promotion with its verdict, the reason and the sign-off',
  usage: '<promotion-id>',
  positionals: { min: 1, max: 1 },
  reads: true,
  async run(ctx, input) {
    const promotion = await ctx
      .api()
      .get<Promotion>(`/v1/promotions/${encodeURIComponent(input.positionals[0]!)}`);
    if (ctx.json) return ctx.printJson(promotion);
    ctx.print(
      `${promotion.id}: ${promotion.state} (candidate ${promotion.candidateNumber} of the campaign, ${promotion.trigger})`,
    );
    ctx.print(promotion.reason ?? 'the gate is still running');
    if (promotion.signedOffBy)
      ctx.print(`signed off by ${promotion.signedOffBy}: ${promotion.signOffReason ?? ''}`);
    return 0;
  },
};

export const promotionStart: Command = {
  path: ['promotion', 'start'],
  summary: 'Put a scored experiment through the promotion gate (fresh seeds, private half, held-out task)',
  usage: '<experiment-id>',
  positionals: { min: 1, max: 1 },
  async run(ctx, input) {
    const answer = await ctx
      .api()
      .post<PromotionStarted>(`/v1/experiments/${encodeURIComponent(input.positionals[0]!)}/promote`);
    if (ctx.json) return ctx.printJson(answer);
    ctx.print(`started ${answer.promotionId}; follow it with: aar promotion show ${answer.promotionId}`);
    return 0;
  },
};

export const promotionSignOff: Command = {
  path: ['promotion', 'sign-off'],
  summary: 'Accept (or --reject) a verified promotion, with your reason',
  usage: '<promotion-id> --reason <text> [--reject]',
  options: {
    reason: { type: 'string', description: 'Why you accept or reject it (kept in the record).' },
    reject: { type: 'boolean', description: 'Reject instead of accept.' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx, input) {
    const reason = stringOpt(input, 'reason');
    if (reason === undefined) throw new UsageError('--reason is required: say why, in a few words');
    const promotion = await ctx
      .api()
      .post<Promotion>(`/v1/promotions/${encodeURIComponent(input.positionals[0]!)}/sign-off`, {
        accept: input.values.reject !== true,
        reason,
      });
    if (ctx.json) return ctx.printJson(promotion);
    if (promotion.state !== 'accepted' && promotion.state !== 'rejected')
      throw new CliError(`promotion is ${promotion.state}`);
    ctx.print(`${promotion.id}: ${promotion.state} by ${promotion.signedOffBy}`);
    return 0;
  },
};
