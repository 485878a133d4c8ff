import { join } from 'node:path';
import type { FlagCleared, FlagList } from '../../core/api/integrity.js';
import { campaignIdOf } from '../campaign-ref.js';
import { CliError, type Command, stringOpt, UsageError, writeOutput } from '../command.js';

export const report: Command = {
  path: ['report'],
  summary: 'Write the campaign report: Markdown and a self-contained HTML page with plots',
  usage: '[<campaign>] [--out <folder>]',
  options: {
    out: {
      type: 'string',
      description: 'Folder for <campaign>-report.md and .html (default: current folder).',
    },
  },
  positionals: { min: 0, max: 1 },
  details:
    'PGR over time per agent, method families tried, the promotion table (public vs private vs held-out), integrity flags, and cost per point of PGR gained.',
  async run(ctx, input) {
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const folder = stringOpt(input, 'out') ?? '.';
    const written: string[] = [];
    for (const format of ['md', 'html'] as const) {
      const response = await ctx
        .api()
        .stream(`/v1/campaigns/${campaignId}/report?format=${format}`, ctx.signal);
      if (!response.ok) throw new CliError(`the api answered ${response.status} for the ${format} report`);
      const path = join(folder, `${campaignId}-report.${format}`);
      await writeOutput(path, await response.text(), '--out folder');
      written.push(path);
    }
    if (ctx.json) return ctx.printJson({ campaignId, files: written });
    ctx.print(`wrote ${written.join(' and ')}`);
    return 0;
  },
};

export const flags: Command = {
  path: ['flags'],
  summary: 'Integrity flags of a campaign: shortcuts, false claims, probe flags, sandbox events',
  usage: '[<campaign>] [--experiment <id>]',
  options: { experiment: { type: 'string', description: "Only this experiment's flags." } },
  positionals: { min: 0, max: 1 },
  reads: true,
  async run(ctx, input) {
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const experiment = stringOpt(input, 'experiment');
    const { flags: found } = await ctx
      .api()
      .get<FlagList>(
        `/v1/campaigns/${campaignId}/flags${experiment ? `?experiment=${encodeURIComponent(experiment)}` : ''}`,
      );
    if (ctx.json) return ctx.printJson({ campaignId, flags: found });
    if (found.length === 0) ctx.print('no integrity flags');
    for (const f of found) {
      const state = f.clearedAt ? 'cleared' : 'open';
      ctx.print(
        `${f.severity.padEnd(8)} ${f.kind.padEnd(18)} ${state.padEnd(7)} ${String(f.id).padStart(5)} ${f.experimentId ?? f.agentId ?? '-'}  ${f.message}`,
      );
      if (f.clearedAt)
        ctx.print(
          `${' '.repeat(42)}cleared by ${f.clearedBy ?? '?'} at ${f.clearedAt}: ${f.clearReason ?? ''}`,
        );
    }
    return 0;
  },
};

export const flagsClear: Command = {
  path: ['flags', 'clear'],
  summary: 'Clear an integrity flag with your reason (approver role); recorded under your identity',
  usage: '<flag-id> --reason <text>',
  options: { reason: { type: 'string', description: 'Why the flag is not a problem (kept in the record).' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, input) {
    const flagId = input.positionals[0]!;
    if (!/^[1-9][0-9]{0,17}$/.test(flagId))
      throw new UsageError(`'${flagId}' is not a flag id (aar flags lists them)`);
    const reason = stringOpt(input, 'reason');
    if (reason === undefined || reason.trim() === '')
      throw new UsageError('--reason is required: say why the flag is not a problem');
    const answer = await ctx.api().post<FlagCleared>(`/v1/flags/${flagId}/clear`, { reason });
    if (ctx.json) return ctx.printJson(answer);
    ctx.print(`cleared flag ${answer.flagId} as ${answer.clearedBy}`);
    return 0;
  },
};
