import { join } from 'node:path';
import { campaignIdOf } from '../campaign-ref.js';
import { CliError, type Command, stringOpt, writeOutput } from '../command.js';

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
    const { flags: found } = await ctx.api().get<{
      flags: {
        severity: string;
        kind: string;
        agentId: string | null;
        experimentId: string | null;
        message: string;
      }[];
    }>(
      `/v1/campaigns/${campaignId}/flags${experiment ? `?experiment=${encodeURIComponent(experiment)}` : ''}`,
    );
    if (ctx.json) return ctx.printJson({ campaignId, flags: found });
    if (found.length === 0) ctx.print('no integrity flags');
    for (const f of found)
      ctx.print(
        `${f.severity.padEnd(8)} ${f.kind.padEnd(18)} ${f.experimentId ?? f.agentId ?? '-'}  ${f.message}`,
      );
    return 0;
  },
};
