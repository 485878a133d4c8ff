import { ApplicationFailure } from '@temporalio/activity';
import { agentText, ladderValue } from '../../core/agent-view.js';
import type { AgentSettings, PolicyName } from '../../core/campaign-spec.js';
import { ExperimentSpec } from '../../core/experiment-spec.js';
import { parseWith, ValidationError } from '../../core/validation.js';
import { type Pool, withTransaction } from '../../runtime/db.js';
import type { Logger } from '../../runtime/logger.js';
import type { ExperimentOutcome, HistoryEntry, OperatorMessage } from '../../workflows/definitions.js';
import { findExperiment, insertExperiment, listExperiments } from '../store/experiments.js';
import { insertPost, sharedExperiments } from '../store/forum.js';
import { campaignLadderStep } from '../store/receipts.js';
import { type KnownExperiment, type PolicyLimits, PolicyPaused, type ResearcherPolicy } from './policy.js';

export interface AgentActivityDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  /** The policies this worker can run, by name; a campaign naming another fails its proposals clearly. */
  readonly policies: Partial<Record<PolicyName, ResearcherPolicy>>;
}

export interface ProposeInput {
  readonly campaignId: string;
  readonly agentId: string;
  readonly experimentId: string;
  readonly seq: number;
  readonly policy: PolicyName;
  readonly direction: string;
  readonly seed: number;
  readonly taskId: string;
  readonly seedsPerExperiment: number;
  readonly operatorMessages: readonly OperatorMessage[];
  readonly history: readonly HistoryEntry[];
  readonly limits: PolicyLimits;
  readonly settings: AgentSettings;
}

export interface ProposalRecord {
  readonly hypothesis: string;
  readonly spec: ExperimentSpec;
  readonly seeds: number[];
  readonly noEval: boolean;
  /** Set when the policy's spec failed validation: the experiment is recorded invalid and not run. */
  readonly invalidReason?: string;
}

const SHARED_POSTS_READ = 200;

/** The failure type the researcher workflow turns into a pause with the policy's reason. */
export const AGENT_PAUSED = 'AgentPaused';

/** A policy that must stop for now fails the step as non-retryable `AgentPaused`; other errors pass through. */
function pauseInstead(error: unknown): never {
  if (error instanceof PolicyPaused) throw ApplicationFailure.nonRetryable(error.reason, AGENT_PAUSED);
  throw error;
}

/** The researcher's propose and analyse steps around a policy, recorded so a retry adopts the first answer. */
export function createAgentActivities(deps: AgentActivityDeps) {
  const policyOf = (name: PolicyName): ResearcherPolicy => {
    const policy = deps.policies[name];
    if (policy === undefined) throw new Error(`policy '${name}' is not configured on this worker`);
    return policy;
  };
  // What a policy reads is the agent view (core/agent-view.ts): Ladder values, nothing finer.
  const known =
    (step: number | null) =>
    (e: {
      experimentId: string;
      agentId: string;
      spec: unknown;
      status: string;
      reportedPgr: number | null;
    }): KnownExperiment => ({
      experimentId: e.experimentId,
      agentId: e.agentId,
      spec: e.spec,
      status: e.status,
      ...(e.reportedPgr !== null && step !== null ? { reportedPgr: ladderValue(e.reportedPgr, step) } : {}),
    });

  return {
    async proposeExperiment(input: ProposeInput): Promise<ProposalRecord> {
      const seeds = Array.from({ length: input.seedsPerExperiment }, (_, i) => i);
      const existing = await findExperiment(deps.pool, input.experimentId);
      if (existing) return recordOf(existing);

      const own = await listExperiments(deps.pool, input.campaignId, { agentId: input.agentId });
      const shared = await sharedExperiments(deps.pool, input.campaignId, input.agentId, SHARED_POSTS_READ);
      const step = await campaignLadderStep(deps.pool, input.campaignId);
      const proposal = await policyOf(input.policy)
        .propose({
          campaignId: input.campaignId,
          agentId: input.agentId,
          seq: input.seq,
          direction: input.direction,
          seed: input.seed,
          taskId: input.taskId,
          own: own.map((e) => known(step)({ ...e, experimentId: e.id })),
          shared: shared.map(known(step)),
          operatorMessages: input.operatorMessages,
          limits: input.limits,
          settings: input.settings,
        })
        .catch(pauseInstead);
      let invalidReason: string | undefined;
      try {
        const spec = parseWith(ExperimentSpec, proposal.spec, 'experiment spec');
        if (spec.task !== input.taskId)
          invalidReason = `task: must be this campaign's task '${input.taskId}'`;
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        invalidReason = error.message;
      }
      const row = await insertExperiment(deps.pool, {
        id: input.experimentId,
        campaignId: input.campaignId,
        agentId: input.agentId,
        seq: input.seq,
        hypothesis: proposal.hypothesis,
        spec: proposal.spec,
        seeds,
        noEval: proposal.noEval ?? false,
        ...(invalidReason ? { status: 'invalid' as const, failureReason: invalidReason } : {}),
      });
      deps.logger.info({ experimentId: row.id, invalid: invalidReason !== undefined }, 'experiment proposed');
      return recordOf(row);
    },

    /**
     * Asks the policy what the outcome means, stores the analysis and posts it to the forum in one
     * transaction. A retry finds the analysis stored and does nothing: never two posts.
     */
    async analyseExperiment(input: {
      campaignId: string;
      agentId: string;
      experimentId: string;
      policy: PolicyName;
      outcome: ExperimentOutcome;
      bestBefore: { pgr: number; experimentId: string } | null;
      limits: PolicyLimits;
      settings: AgentSettings;
    }): Promise<{ summary: string }> {
      const experiment = await findExperiment(deps.pool, input.experimentId);
      if (experiment === null) throw new Error(`experiment ${input.experimentId} is not recorded`);
      if (experiment.analysis !== null) return { summary: experiment.analysis };
      const weak = await deps.pool.query<{ acc: number }>(
        `SELECT (bundle->>'weakValidationAccuracy')::float8 AS acc FROM results
         WHERE experiment_id = $1 AND status = 'succeeded' AND bundle->>'weakValidationAccuracy' IS NOT NULL ORDER BY seed`,
        [input.experimentId],
      );
      const analysis = await policyOf(input.policy)
        .analyse({
          campaignId: input.campaignId,
          agentId: input.agentId,
          experimentId: input.experimentId,
          hypothesis: experiment.hypothesis,
          spec: experiment.spec,
          status: input.outcome.status,
          ...(input.outcome.reason
            ? {
                reason: agentText(
                  input.outcome.reason,
                  await campaignLadderStep(deps.pool, input.campaignId),
                ),
              }
            : {}),
          ...(input.outcome.score
            ? {
                reportedPgr: input.outcome.score.reportedPgr,
                improved: input.outcome.score.improved,
                step: input.outcome.score.step,
              }
            : {}),
          bestBefore: input.bestBefore,
          weakValAccuracies: weak.rows.map((r) => r.acc),
          limits: input.limits,
          settings: input.settings,
        })
        .catch(pauseInstead);
      await withTransaction(deps.pool, async (client) => {
        const claimed = await client.query(
          'UPDATE experiments SET analysis = $2 WHERE id = $1 AND analysis IS NULL',
          [input.experimentId, analysis.summary.slice(0, 20_000)],
        );
        if (claimed.rowCount === 0 || analysis.post === undefined) return;
        await insertPost(client, {
          campaignId: input.campaignId,
          authorKind: 'agent',
          authorId: input.agentId,
          kind: analysis.post.kind,
          title: analysis.post.title.slice(0, 300),
          body: analysis.post.body.slice(0, 20_000),
          experimentIds: [input.experimentId],
          idempotencyKey: `${input.experimentId}:analysis`,
        });
      });
      return { summary: analysis.summary };
    },
  };

  function recordOf(row: Awaited<ReturnType<typeof findExperiment>> & object): ProposalRecord {
    return {
      hypothesis: row.hypothesis,
      spec: row.spec as ExperimentSpec,
      seeds: row.seeds,
      noEval: row.noEval,
      ...(row.status === 'invalid' ? { invalidReason: row.failureReason ?? 'invalid spec' } : {}),
    };
  }
}
