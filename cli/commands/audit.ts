import type { AuditVerification } from '../../core/api/eval/audit.js';
import type { ViolationList } from '../../core/api/eval/violations.js';
import { terminal } from '../../core/display.js';
import { auditMetricsText } from '../../server/eval/audit/audit-gauges.js';
import { campaignIdOf } from '../campaign-ref.js';
import { type Command, stringOpt, writeOutput } from '../command.js';
import { table } from '../render/table.js';

const { ago } = terminal;

export const auditVerify: Command = {
  path: ['audit', 'verify'],
  summary: "Recompute the eval server's audit hash chain; exit 1 when a link is broken",
  usage: '[--metrics-file <path>]',
  options: {
    'metrics-file': {
      type: 'string',
      description: 'Also write the result as Prometheus metrics (textfile collector) for the audit alert.',
    },
  },
  positionals: { min: 0, max: 0 },
  reads: true,
  details:
    'Keep the head hash it prints somewhere else: a chain rewritten from the start is only caught against it.',
  async run(ctx, input) {
    const result = await ctx.evalAdmin().get<AuditVerification>('/v1/admin/audit/verify');
    const file = stringOpt(input, 'metrics-file');
    if (file !== undefined) await writeOutput(file, auditMetricsText(result), '--metrics-file');
    if (ctx.json) ctx.printJson(result);
    else if (result.ok) ctx.print(`OK ${result.entries} entries, head ${result.headSeq} ${result.headHash}`);
    else
      ctx.print(
        `BROKEN at entry ${result.firstBrokenSeq}: ${result.reason} (${result.entries} entries checked; head ${result.headHash})`,
      );
    return result.ok ? 0 : 1;
  },
};

export const auditViolations: Command = {
  path: ['audit', 'violations'],
  summary:
    'Violations the eval server recorded for a campaign: probe flags, no-eval attempts, budget overruns',
  usage: '[<campaign>] [--agent <agent>] [--kind probe|no_eval|budget_exhausted]',
  options: {
    agent: { type: 'string', description: 'Only this agent.' },
    kind: {
      type: 'string',
      description: 'Only this kind.',
      choices: ['probe', 'no_eval', 'budget_exhausted'],
    },
  },
  positionals: { min: 0, max: 1 },
  reads: true,
  async run(ctx, input) {
    const campaignId = await campaignIdOf(ctx, input.positionals[0]);
    const query = new URLSearchParams({ campaignId });
    for (const name of ['agent', 'kind']) {
      const value = stringOpt(input, name);
      if (value !== undefined) query.set(name === 'agent' ? 'agentId' : name, value);
    }
    const { violations } = await ctx.evalAdmin().get<ViolationList>(`/v1/admin/violations?${query}`);
    if (ctx.json) return ctx.printJson({ campaignId, violations });
    if (violations.length === 0) {
      ctx.print(`no violations recorded for campaign ${campaignId}`);
      return 0;
    }
    ctx.print(
      table(
        ['id', 'kind', 'agent', 'experiment', 'when', 'detail'],
        violations.map((v) => [
          String(v.id),
          v.kind,
          v.agentId,
          v.experimentId ?? '-',
          ago(v.createdAt),
          JSON.stringify(v.detail),
        ]),
      ),
    );
    return 0;
  },
};
