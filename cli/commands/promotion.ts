import { campaignIdOf } from '../campaign-ref.js';
import { CliError, type Command, stringOpt, UsageError } from '../command.js';
import { table } from '../render/table.js';

interface Promotion {
  id: string;
  experimentId: string;
  state: string;
  trigger: string;
  candidateNumber: number;
  reason: string | null;
  signedOffBy: string | null;
  signOffReason: string | null;
  numbers: {
    threshold: number;
    publicPgr: number | null;
    private: { meanPgr: Record<string, number>; vsNaive: { pgrDifference: number; pValue: number } };
    heldOut?: { meanPgr: Record<string, number>; vsNaive: { pgrDifference: number; pValue: number } };
  } | null;
}

const n3 = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(3));

export const promotionList: Command = {
  path: ['promotion', 'list'],
  summary: 'Promotions of a campaign: public vs private vs held-out PGR, p-values, verdicts',
  usage: '[<campaign>]',
  positionals: { min: 0, max: 1 },
  reads: true,
  async run(ctx, input) {
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const { promotions } = await ctx
      .api()
      .get<{ promotions: Promotion[] }>(`/v1/campaigns/${campaignId}/promotions`);
    if (ctx.json) return ctx.printJson({ campaignId, promotions });
    if (promotions.length === 0) {
      ctx.print('no promotions yet (aar promotion start <experiment> puts one through the gate)');
      return 0;
    }
    ctx.print(
      table(
        ['promotion', 'state', 'public', 'private', 'vs naive (p)', 'held-out (p)', 'p threshold'],
        promotions.map((p) => [
          p.id,
          p.state,
          n3(p.numbers?.publicPgr),
          n3(p.numbers?.private.meanPgr.candidate),
          p.numbers
            ? `${n3(p.numbers.private.vsNaive.pgrDifference)} (${p.numbers.private.vsNaive.pValue.toPrecision(2)})`
            : '-',
          p.numbers?.heldOut
            ? `${n3(p.numbers.heldOut.vsNaive.pgrDifference)} (${p.numbers.heldOut.vsNaive.pValue.toPrecision(2)})`
            : '-',
          p.numbers ? p.numbers.threshold.toPrecision(2) : '-',
        ]),
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
      .post<{ promotionId: string }>(`/v1/experiments/${encodeURIComponent(input.positionals[0]!)}/promote`);
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
