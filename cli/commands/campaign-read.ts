import { readFile } from 'node:fs/promises';
import type { CampaignList, Started } from '../../core/api/campaigns.js';
import type { Leaderboard } from '../../core/api/experiments.js';
import { terminal } from '../../core/display.js';
import { campaignIdOf, FINISHED_STATUSES, readCampaign } from '../campaign-ref.js';
import { CliError, type Command, intOpt, stringOpt, UsageError } from '../command.js';
import { ApiError } from '../http-client.js';
import { agentStatusTable, campaignHeader, leaderboardTable } from '../render/campaign-view.js';
import { table } from '../render/table.js';
import { watchCampaign } from './campaign-watch.js';

const { ago, pgr } = terminal;

export const campaignStart: Command = {
  path: ['campaign', 'start'],
  summary: 'Start a campaign from a spec file (YAML or JSON), checked first with line numbers',
  usage: '-f <campaign.yaml> [--dry-run] [--watch]',
  options: {
    file: { type: 'string', short: 'f', description: 'The campaign spec file (YAML or JSON).' },
    'dry-run': { type: 'boolean', description: 'Check the spec and stop: start nothing.' },
    watch: { type: 'boolean', description: 'Watch the campaign once it started.' },
  },
  positionals: { min: 0, max: 0 },
  details:
    'Every problem of the spec is reported at once as file:line:column: field: message, and nothing starts (exit 1).',
  async run(ctx, input) {
    const file = stringOpt(input, 'file');
    if (file === undefined) throw new UsageError('name the spec file with -f <campaign.yaml>');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new CliError(
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    // Loaded here: the schema library costs a second of start-up that other commands need not pay.
    const { formatProblem, locateServerProblems, readCampaignSpec } = await import('../spec-file.js');
    const reading = readCampaignSpec(text);
    if (!reading.ok) {
      if (ctx.json) ctx.printJson({ valid: false, problems: reading.problems });
      else {
        ctx.stderr.write(`${file} is not a valid campaign spec:\n`);
        for (const p of reading.problems) ctx.stderr.write(`  ${formatProblem(file, p)}\n`);
      }
      return 1;
    }
    const spec = reading.spec;
    if (input.values['dry-run'] === true) {
      if (ctx.json) ctx.printJson({ valid: true, spec });
      else ctx.print(`${file} is a valid campaign spec: ${spec.agents.length} agents on task ${spec.task}`);
      return 0;
    }
    let started: Started;
    try {
      started = await ctx.api().post<Started>('/v1/campaigns', spec);
    } catch (error) {
      if (error instanceof ApiError && error.status === 400 && error.details.length > 0) {
        ctx.stderr.write(`the api server refused ${file}:\n`);
        for (const p of locateServerProblems(text, error.details))
          ctx.stderr.write(`  ${formatProblem(file, p)}\n`);
        return 1;
      }
      throw error;
    }
    if (ctx.json) ctx.printJson(started);
    else {
      const api = ctx.config().AAR_API_URL;
      ctx.print(`campaign ${started.campaignId} started (${spec.agents.length} agents)`);
      ctx.print(`  watch:       aar campaign watch ${started.campaignId}`);
      ctx.print(`  dashboard:   ${api}/ui/campaigns/${started.campaignId}`);
      ctx.print(`  Temporal UI: ${started.temporalUrl}`);
    }
    if (input.values.watch === true) return await watchCampaign(ctx, started.campaignId, false);
    return 0;
  },
};

export const campaignList: Command = {
  path: ['campaign', 'list'],
  summary: 'List campaigns, newest first',
  usage: '[--limit <n>]',
  options: { limit: { type: 'string', description: 'How many (default 50).' } },
  positionals: { min: 0, max: 0 },
  reads: true,
  async run(ctx, input) {
    const { campaigns } = await ctx
      .api()
      .get<CampaignList>(`/v1/campaigns?limit=${intOpt(input, 'limit', 50)}`);
    if (ctx.json) return ctx.printJson({ campaigns });
    if (campaigns.length === 0) {
      ctx.print('no campaigns yet');
      return 0;
    }
    ctx.print(
      table(
        ['campaign', 'status', 'agents', 'experiments', 'best PGR', 'started', 'name'],
        campaigns.map((c) => [
          c.id,
          c.status,
          String(c.agents),
          String(c.experiments),
          pgr(c.bestPgr),
          ago(c.createdAt),
          c.name,
        ]),
      ),
    );
    return 0;
  },
};

export const campaignStatus: Command = {
  path: ['campaign', 'status'],
  summary: 'A campaign and a table per agent: state, hypothesis, experiments, best PGR, budget used',
  usage: '[<campaign>]',
  positionals: { min: 0, max: 1 },
  reads: true,
  details: 'A state ending in "?" is the last recorded one: no worker answered the live query.',
  async run(ctx, input) {
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const view = await readCampaign(ctx, campaignId);
    if (ctx.json) return ctx.printJson(view);
    for (const line of campaignHeader(view)) ctx.print(line);
    ctx.print(`Temporal UI: ${view.temporalUrl}`);
    ctx.print('');
    ctx.print(agentStatusTable(view, Math.max(30, (ctx.stdout.columns ?? 160) - 90)));
    const stuck = view.agents.filter((a) => !a.live && !FINISHED_STATUSES.has(view.status));
    if (stuck.length > 0)
      ctx.note(
        `no live answer from ${stuck.map((a) => a.id).join(', ')}: is the orchestrator worker up? (aar doctor)`,
      );
    return 0;
  },
};

export const leaderboard: Command = {
  path: ['leaderboard'],
  summary: 'Best public PGR per agent with its 95 % interval',
  usage: '[<campaign>]',
  positionals: { min: 0, max: 1 },
  reads: true,
  async run(ctx, input) {
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const { leaderboard: rows } = await ctx.api().get<Leaderboard>(`/v1/campaigns/${campaignId}/leaderboard`);
    if (ctx.json) return ctx.printJson({ campaignId, leaderboard: rows });
    ctx.print(leaderboardTable(rows));
    return 0;
  },
};

export const campaignWatch: Command = {
  path: ['campaign', 'watch'],
  summary: 'Follow a campaign live (progress bars, leaderboard, forum) until it ends or Ctrl-C',
  usage: '[<campaign>] [--once]',
  options: { once: { type: 'boolean', description: 'Print the current state once and exit.' } },
  positionals: { min: 0, max: 1 },
  reads: true,
  details:
    'Exits 0 when the campaign completes (or on Ctrl-C: the campaign goes on), 1 when it was cancelled or failed. With --json, one snapshot per line.',
  async run(ctx, input) {
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    return await watchCampaign(ctx, campaignId, input.values.once === true);
  },
};
