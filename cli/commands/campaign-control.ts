import type { Accepted } from '../../core/api/campaigns.js';
import type { ResetAnswer, RetryAnswer } from '../../core/api/dashboard.js';
import { campaignIdOf } from '../campaign-ref.js';
import { type Command, type Parsed, stringOpt, UsageError } from '../command.js';
import { table } from '../render/table.js';

const AGENT_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

function agentOpt(input: Parsed): string | undefined {
  const agent = stringOpt(input, 'agent');
  if (agent !== undefined && !AGENT_ID.test(agent)) throw new UsageError(`'${agent}' is not an agent id`);
  return agent;
}

const agentOption = {
  agent: { type: 'string', description: 'Act on this agent only (its researcher), not the whole campaign.' },
} as const;
const reasonOption = {
  reason: { type: 'string', description: 'Why, for the action log and the agents.' },
} as const;

type Action = 'pause' | 'resume' | 'stop' | 'cancel';
const SUMMARIES: Record<Action, string> = {
  pause: 'Pause a campaign (or one agent) after its current step',
  resume: 'Resume a paused campaign (or agent)',
  stop: 'Stop gracefully: agents finish their current experiment, then end',
  cancel: 'Cancel a campaign now: running trainer runs are killed',
};

function controlCommand(action: Action): Command {
  return {
    path: ['campaign', action],
    summary: SUMMARIES[action],
    usage:
      action === 'cancel'
        ? '[<campaign>] [--reason <text>]'
        : '[<campaign>] [--agent <agent>] [--reason <text>]',
    options: action === 'cancel' ? reasonOption : { ...agentOption, ...reasonOption },
    positionals: { min: 0, max: 1 },
    async run(ctx, input) {
      const campaignId = await campaignIdOf(ctx, input.positionals[0]);
      const agent = agentOpt(input);
      const reason = stringOpt(input, 'reason');
      const path =
        agent === undefined
          ? `/v1/campaigns/${campaignId}/${action}`
          : `/v1/campaigns/${campaignId}/agents/${agent}/${action}`;
      const answer = await ctx.api().post<Accepted>(path, reason === undefined ? {} : { reason });
      if (ctx.json) return ctx.printJson({ campaignId, agent: agent ?? null, ...answer });
      ctx.print(
        `${action} sent to ${agent === undefined ? `campaign ${campaignId}` : `agent ${agent} of campaign ${campaignId}`}`,
      );
      return 0;
    },
  };
}

export const campaignPause = controlCommand('pause');
export const campaignResume = controlCommand('resume');
export const campaignStop = controlCommand('stop');
export const campaignCancel = controlCommand('cancel');

export const campaignMessage: Command = {
  path: ['campaign', 'message'],
  summary: "Send an agent a message; it joins the agent's context at its next proposal",
  usage: '[<campaign>] <agent> <text>',
  positionals: { min: 2, max: 3 },
  async run(ctx, input) {
    const [first, second, third] = input.positionals;
    const [given, agent, text] = third === undefined ? [undefined, first!, second!] : [first, second!, third];
    if (!AGENT_ID.test(agent)) throw new UsageError(`'${agent}' is not an agent id`);
    if (text.trim() === '') throw new UsageError('the message is empty');
    const campaignId = await campaignIdOf(ctx, given);
    const answer = await ctx
      .api()
      .post<Accepted>(`/v1/campaigns/${campaignId}/agents/${agent}/message`, { text });
    if (ctx.json) return ctx.printJson({ campaignId, agent, ...answer });
    ctx.print(`message sent to agent ${agent} of campaign ${campaignId}`);
    return 0;
  },
};

export const campaignBudget: Command = {
  path: ['campaign', 'budget'],
  summary: "Replace a campaign's (or one agent's) budget",
  usage: '[<campaign>] [--agent <agent>] [--experiments <n>] [--gpu-hours <h>] [--deadline-hours <h>]',
  options: {
    ...agentOption,
    experiments: { type: 'string', description: 'Experiments allowed in all.' },
    'gpu-hours': { type: 'string', description: 'GPU-hours allowed in all.' },
    'deadline-hours': { type: 'string', description: 'Wall-clock hours from the start.' },
  },
  positionals: { min: 0, max: 1 },
  details: 'Limits not given are removed: pass every limit the campaign should keep.',
  async run(ctx, input) {
    const number = (name: string) => {
      const raw = stringOpt(input, name);
      if (raw === undefined) return undefined;
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value) || value < 0)
        throw new UsageError(`--${name} expects a number of 0 or more, not '${raw}'`);
      return value;
    };
    const budget = Object.fromEntries(
      Object.entries({
        experiments: number('experiments'),
        gpuHours: number('gpu-hours'),
        deadlineHours: number('deadline-hours'),
      }).filter(([, v]) => v !== undefined),
    );
    if (Object.keys(budget).length === 0)
      throw new UsageError('give at least one of --experiments, --gpu-hours, --deadline-hours');
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const agent = agentOpt(input);
    const path =
      agent === undefined
        ? `/v1/campaigns/${campaignId}/budget`
        : `/v1/campaigns/${campaignId}/agents/${agent}/budget`;
    await ctx.api().post(path, budget);
    if (ctx.json) return ctx.printJson({ campaignId, agent: agent ?? null, budget });
    ctx.print(`budget of ${agent ?? `campaign ${campaignId}`} set to ${JSON.stringify(budget)}`);
    return 0;
  },
};

export const campaignRetryFailed: Command = {
  path: ['campaign', 'retry-failed'],
  summary: 'Re-run only the failed experiments, each as a new experiment <id>-retry<n>',
  usage: '[<campaign>] [--agent <agent>] [--dry-run]',
  options: { ...agentOption, 'dry-run': { type: 'boolean', description: 'List what would be re-run.' } },
  positionals: { min: 0, max: 1 },
  details:
    'Only experiments whose latest attempt failed (crashed or lost runs); invalid specs are not retried. Running it again never doubles a retry.',
  async run(ctx, input) {
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const agent = agentOpt(input);
    const answer = await ctx.api().post<RetryAnswer>(`/v1/campaigns/${campaignId}/retry-failed`, {
      ...(agent ? { agentId: agent } : {}),
      ...(input.values['dry-run'] === true ? { dryRun: true } : {}),
    });
    if (ctx.json) return ctx.printJson({ campaignId, ...answer });
    if (answer.retried.length === 0) ctx.print(`campaign ${campaignId} has no failed experiment to re-run`);
    else {
      ctx.print(
        `${answer.dryRun ? 'would re-run' : 're-running'} ${answer.retried.length} failed experiment${answer.retried.length === 1 ? '' : 's'}:`,
      );
      ctx.print(
        table(
          ['failed experiment', 'retry', 'agent', 'started'],
          answer.retried.map((r) => [
            r.experimentId,
            r.retryId,
            r.agentId,
            answer.dryRun ? 'dry run' : r.started ? 'yes' : 'already running',
          ]),
        ),
      );
    }
    for (const r of answer.refused) ctx.note(`not retried: ${r.experimentId}: ${r.reason}`);
    return 0;
  },
};

export const campaignReset: Command = {
  path: ['campaign', 'reset'],
  summary:
    "Reset an agent's researcher (or the campaign workflow) to the last good point before its first failure",
  usage: '[<campaign>] [--agent <agent>] [--event-id <n>] [--dry-run] [--reason <text>]',
  options: {
    ...agentOption,
    ...reasonOption,
    'event-id': { type: 'string', description: 'Reset to this WorkflowTaskCompleted event instead.' },
    'dry-run': { type: 'boolean', description: 'Show the reset point; reset nothing.' },
  },
  positionals: { min: 0, max: 1 },
  details:
    "Temporal's reset: the current run is terminated and a new run replays the history up to the reset point, then goes on from there (signals after it are re-applied). For a failed activity or child workflow the point is the workflow task that scheduled it, so it runs afresh.",
  async run(ctx, input) {
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const agent = agentOpt(input);
    const rawEvent = stringOpt(input, 'event-id');
    if (rawEvent !== undefined && !/^\d+$/.test(rawEvent))
      throw new UsageError(`--event-id expects an event number, not '${rawEvent}'`);
    const reason = stringOpt(input, 'reason');
    const path =
      agent === undefined
        ? `/v1/campaigns/${campaignId}/reset`
        : `/v1/campaigns/${campaignId}/agents/${agent}/reset`;
    const answer = await ctx.api().post<ResetAnswer>(path, {
      ...(rawEvent === undefined ? {} : { eventId: Number(rawEvent) }),
      ...(input.values['dry-run'] === true ? { dryRun: true } : {}),
      ...(reason === undefined ? {} : { reason }),
    });
    if (ctx.json) return ctx.printJson({ campaignId, agent: agent ?? null, ...answer });
    const failure = answer.failure
      ? ` before event ${answer.failure.eventId} (${answer.failure.kind}${answer.failure.message ? `: ${answer.failure.message}` : ''})`
      : '';
    if (answer.newRunId === null)
      ctx.print(
        `would reset ${answer.workflowId} (run ${answer.runId}) to event ${answer.eventId}${failure}`,
      );
    else {
      ctx.print(`reset ${answer.workflowId} to event ${answer.eventId}${failure}`);
      ctx.print(`  new run: ${answer.newRunId} (the old run ${answer.runId} was terminated)`);
    }
    ctx.print(`  Temporal UI: ${answer.temporalUrl}`);
    return 0;
  },
};
