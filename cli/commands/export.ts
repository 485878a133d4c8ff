import { join } from 'node:path';
import type { CampaignExport } from '../../core/api/results.js';
import { campaignIdOf } from '../campaign-ref.js';
import { type Command, stringOpt, UsageError, writeOutput } from '../command.js';
import { csv } from '../render/csv.js';

const EXPERIMENT_COLUMNS = [
  'id',
  'agentId',
  'seq',
  'status',
  'reportedPgr',
  'pgrMean',
  'ciLow',
  'ciHigh',
  'seeds',
  'noEval',
  'createdAt',
  'finishedAt',
  'failureReason',
  'hypothesis',
  'spec',
];
const RUN_COLUMNS = [
  'runId',
  'experimentId',
  'seed',
  'attempt',
  'executor',
  'status',
  'wallSeconds',
  'stoppedEpoch',
  'device',
  'publicAccuracy',
  'publicPgr',
  'failureKind',
  'failureMessage',
  'createdAt',
  'finishedAt',
];

/** The experiments as flat rows: the score's numbers as columns. */
const experimentRows = (data: CampaignExport) =>
  data.experiments.map((e) => ({
    ...e,
    reportedPgr: e.score?.reportedPgr ?? null,
    pgrMean: e.score?.pgrMean ?? null,
    ciLow: e.score?.ciLow ?? null,
    ciHigh: e.score?.ciHigh ?? null,
    seeds: e.seeds.join(' '),
  }));

export const exportCommand: Command = {
  path: ['export'],
  summary: "Export a campaign's experiments and per-seed run results as JSON or CSV",
  usage: '[<campaign>] [--format json|csv] [--out <path>] [--table experiments|runs]',
  options: {
    format: { type: 'string', description: 'json (default) or csv.', choices: ['json', 'csv'] },
    out: {
      type: 'string',
      description:
        'JSON: the file to write. CSV: a folder for <campaign>-experiments.csv and <campaign>-runs.csv.',
    },
    table: {
      type: 'string',
      description: 'CSV on stdout: which table (default experiments).',
      choices: ['experiments', 'runs'],
    },
  },
  positionals: { min: 0, max: 1 },
  reads: true,
  details:
    'Predictions are never exported (they never leave the database). Spreadsheet formulas in agent text are neutralised.',
  async run(ctx, input) {
    const format = ctx.json ? 'json' : (stringOpt(input, 'format') ?? 'json');
    if (format !== 'json' && format !== 'csv')
      throw new UsageError(`--format is json or csv, not '${format}'`);
    const which = stringOpt(input, 'table') ?? 'experiments';
    if (which !== 'experiments' && which !== 'runs') throw new UsageError(`--table is experiments or runs`);
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const data = await ctx.api().get<CampaignExport>(`/v1/campaigns/${campaignId}/export`);
    const out = stringOpt(input, 'out');
    if (format === 'json') {
      const text = `${JSON.stringify(data, null, 2)}\n`;
      if (out === undefined) ctx.stdout.write(text);
      else {
        await writeOutput(out, text, '--out');
        ctx.note(`wrote ${out}: ${data.experiments.length} experiments, ${data.runs.length} runs`);
      }
      return 0;
    }
    const experiments = csv(EXPERIMENT_COLUMNS, experimentRows(data));
    const runs = csv(RUN_COLUMNS, data.runs);
    if (out === undefined) {
      ctx.stdout.write(which === 'runs' ? runs : experiments);
      return 0;
    }
    const files = [join(out, `${campaignId}-experiments.csv`), join(out, `${campaignId}-runs.csv`)];
    await writeOutput(files[0]!, experiments, '--out folder');
    await writeOutput(files[1]!, runs, '--out folder');
    ctx.note(
      `wrote ${files.join(' and ')}: ${data.experiments.length} experiments, ${data.runs.length} runs`,
    );
    return 0;
  },
};
