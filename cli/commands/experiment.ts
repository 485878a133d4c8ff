import type { RunLog } from '../../core/api/dashboard.js';
import type { ExperimentList, ExperimentWithRuns, Run } from '../../core/api/experiments.js';
import type { ExperimentResults } from '../../core/api/results.js';
import { terminal } from '../../core/display.js';
import { campaignIdOf } from '../campaign-ref.js';
import { type Command, intOpt, stringOpt, UsageError } from '../command.js';
import { ApiError } from '../http-client.js';
import { table } from '../render/table.js';
import { clip, plain } from '../render/text.js';

const { ago, pgr } = terminal;

const EXPERIMENT_ID = /^[a-z0-9][a-z0-9-]{0,200}$/;
const RUN_ID = /^(.+)-s(\d+)-a(\d+)$/;

export const experimentList: Command = {
  path: ['experiment', 'list'],
  summary: "A campaign's experiments, oldest first",
  usage: '[<campaign>] [--agent <agent>] [--status <status>] [--limit <n>]',
  options: {
    agent: { type: 'string', description: 'Only this agent.' },
    status: {
      type: 'string',
      description: 'Only this status.',
      choices: ['proposed', 'running', 'scored', 'unscored', 'failed', 'invalid', 'cancelled'],
    },
    limit: { type: 'string', description: 'At most this many (default 1000).' },
  },
  positionals: { min: 0, max: 1 },
  reads: true,
  async run(ctx, input) {
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const query = new URLSearchParams({ limit: String(intOpt(input, 'limit', 1000)) });
    const agent = stringOpt(input, 'agent');
    const status = stringOpt(input, 'status');
    if (agent) query.set('agent', agent);
    if (status) query.set('status', status);
    const { experiments } = await ctx
      .api()
      .get<ExperimentList>(`/v1/campaigns/${campaignId}/experiments?${query}`);
    if (ctx.json) return ctx.printJson({ campaignId, experiments });
    if (experiments.length === 0) {
      ctx.print('no experiments match');
      return 0;
    }
    const width = Math.max(30, (ctx.stdout.columns ?? 160) - 80);
    ctx.print(
      table(
        ['experiment', 'agent', 'status', 'PGR', 'finished', 'hypothesis'],
        experiments.map((e) => [
          e.id,
          e.agentId,
          e.status,
          pgr(e.reportedPgr),
          ago(e.finishedAt),
          clip(plain(e.hypothesis), width),
        ]),
      ),
    );
    return 0;
  },
};

export const experimentShow: Command = {
  path: ['experiment', 'show'],
  summary: 'One experiment: hypothesis, spec, per-seed results, runs and their failures',
  usage: '<experiment>',
  positionals: { min: 1, max: 1 },
  reads: true,
  async run(ctx, input) {
    const experimentId = input.positionals[0]!;
    if (!EXPERIMENT_ID.test(experimentId)) throw new UsageError(`'${experimentId}' is not an experiment id`);
    const { experiment, runs } = await ctx.api().get<ExperimentWithRuns>(`/v1/experiments/${experimentId}`);
    const results = await ctx.api().get<ExperimentResults>(`/v1/experiments/${experimentId}/results`);
    if (ctx.json) return ctx.printJson({ experiment, runs, ...results });
    const score = results.score;
    ctx.print(`experiment ${experiment.id} · agent ${experiment.agentId} · ${experiment.status}`);
    ctx.print(`hypothesis: ${plain(experiment.hypothesis)}`);
    if (experiment.failureReason) ctx.print(`why: ${plain(experiment.failureReason)}`);
    if (score)
      ctx.print(
        `public PGR: mean ${pgr(score.pgrMean)} [${pgr(score.ciLow)}, ${pgr(score.ciHigh)}] · reported (Ladder) ${pgr(score.reportedPgr)}`,
      );
    if (experiment.analysis) ctx.print(`analysis: ${plain(experiment.analysis, true)}`);
    ctx.print(`spec: ${JSON.stringify(experiment.spec)}`);
    ctx.print('');
    const bySeed = new Map(score?.perSeed.map((s) => [s.seed, s]) ?? []);
    const byRun = new Map(results.results.map((r) => [r.runId, r]));
    ctx.print(
      table(
        [
          'run',
          'seed',
          'attempt',
          'status',
          'wall s',
          'stopped epoch',
          'public acc',
          'public PGR',
          'failure',
        ],
        runs.map((r) => {
          const result = byRun.get(r.id);
          const seed = r.status === 'succeeded' ? bySeed.get(r.seed) : undefined;
          return [
            r.id,
            String(r.seed),
            String(r.attempt),
            r.status,
            result ? result.wallSeconds.toFixed(1) : '-',
            result?.stoppedEpoch === null || result === undefined ? '-' : String(result.stoppedEpoch),
            seed ? seed.accuracy.toFixed(3) : '-',
            pgr(seed?.pgr),
            r.failure ? `${r.failure.kind}: ${r.failure.message}` : '',
          ];
        }),
      ),
    );
    return 0;
  },
};

export const experimentLogs: Command = {
  path: ['experiment', 'logs'],
  summary: "The tail of an experiment's trainer logs (each seed's latest attempt), or of one run",
  usage:
    '<experiment|run> [--seed <n>] [--stream student|stderr|stdout|both] [--tail <lines>] [--all-attempts]',
  options: {
    seed: { type: 'string', description: 'Only this seed.' },
    stream: {
      type: 'string',
      description:
        'student (what the sandboxed student printed), stderr (the launcher: why the run ended), stdout, or both: student and stderr (default).',
      choices: ['student', 'stdout', 'stderr', 'both'],
    },
    tail: { type: 'string', description: 'Lines from the end (default 50).' },
    'all-attempts': { type: 'boolean', description: 'Every attempt, not only the latest of each seed.' },
  },
  positionals: { min: 1, max: 1 },
  reads: true,
  details:
    'Logs live in $AAR_RUNS_DIR/<run>/ on the machine that ran the trainer (local executor); the api server serves them when it can read that folder, and says where to look when it cannot.',
  async run(ctx, input) {
    const id = input.positionals[0]!;
    if (!EXPERIMENT_ID.test(id)) throw new UsageError(`'${id}' is not an experiment or run id`);
    const stream = stringOpt(input, 'stream') ?? 'both';
    if (!['student', 'stdout', 'stderr', 'both'].includes(stream))
      throw new UsageError(`--stream is student, stdout, stderr or both, not '${stream}'`);
    const tail = intOpt(input, 'tail', 50);
    const seedFilter = stringOpt(input, 'seed');
    let runIds: string[];
    try {
      const { runs } = await ctx.api().get<ExperimentWithRuns>(`/v1/experiments/${id}`);
      const chosen = runs.filter((r) => seedFilter === undefined || String(r.seed) === seedFilter);
      const latest = new Map<number, Run>();
      for (const r of chosen) if ((latest.get(r.seed)?.attempt ?? 0) < r.attempt) latest.set(r.seed, r);
      runIds = (input.values['all-attempts'] === true ? chosen : [...latest.values()]).map((r) => r.id);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404 && RUN_ID.test(id))) throw error;
      runIds = [id];
    }
    if (runIds.length === 0) {
      ctx.print(
        `experiment ${id} has no runs${seedFilter === undefined ? '' : ` for seed ${seedFilter}`} yet`,
      );
      return 0;
    }
    const streams = stream === 'both' ? (['student', 'stderr'] as const) : ([stream] as const);
    const logs = [];
    for (const runId of runIds) {
      for (const s of streams) {
        logs.push(await ctx.api().get<RunLog>(`/v1/runs/${runId}/logs?stream=${s}&tail=${tail}`));
      }
    }
    if (ctx.json) return ctx.printJson({ logs });
    for (const log of logs) {
      ctx.print(`==> ${log.runId} ${log.stream}${log.truncated ? ` (last ${tail} lines)` : ''} <==`);
      ctx.print(log.text === '' ? '(empty)' : plain(log.text, true));
    }
    return 0;
  },
};
