import { ApplicationFailure } from '@temporalio/activity';
import { promotionVerdictPost } from '../core/agent-view.js';
import type { ComparisonResult } from '../core/api/eval/comparisons.js';
import type { CampaignSpec } from '../core/campaign-spec.js';
import type { ExperimentSpec } from '../core/experiment-spec.js';
import { correctedAlpha } from '../core/paired-bootstrap.js';
import type { Pool } from '../runtime/db.js';
import type { Logger } from '../runtime/logger.js';
import type {
  PromotionInput,
  PromotionNumbers,
  PromotionState,
  PromotionStatus,
  SignOff,
} from '../workflows/definitions.js';
import { canonical, naivePoint } from './agent/baseline/search-space.js';
import { TRAINER_DEFAULTS } from './agent/policies.js';
import type { EvalClient } from './eval/eval-client.js';
import { findCampaign, insertCampaignEvent } from './store/campaigns.js';
import { findExperiment, insertExperiment } from './store/experiments.js';
import { findPost, insertPost } from './store/forum.js';
import { openCriticalFlags } from './store/integrity-flags.js';
import { findPromotion, insertPromotion, recordSignOff, recordVerdict } from './store/promotions.js';
import { loadResultBundles } from './store/runs.js';

export interface PromotionActivityDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly eval: EvalClient;
}

/** One arm of a promotion: a method re-run on the fresh seeds, as an experiment of kind 'promotion'. */
export interface PromotionArm {
  readonly name: string;
  readonly experimentId: string;
  readonly taskId: string;
  readonly spec: ExperimentSpec;
}

export interface PromotionPlan {
  readonly promotionId: string;
  readonly candidateNumber: number;
  readonly threshold: number;
  readonly seeds: number[];
  readonly publicPgr: number | null;
  readonly arms: PromotionArm[];
}

/** Public mean PGR of every scored research experiment of a campaign, oldest first. */
/**
 * The campaign's scored research experiments, oldest first, with their PGR: the exact public mean
 * (operators' and the gate's arms) or, with `reported`, the Ladder value the agents saw. What
 * triggers a promotion is visible to agents (its verdict post), so the trigger uses the Ladder.
 */
async function scoredExperiments(pool: Pool, campaignId: string, figure: 'exact' | 'reported' = 'exact') {
  const reported = "(r.public_score->'reported'->>'reportedPgr')::float8";
  const pgr =
    figure === 'reported'
      ? reported
      : `COALESCE((r.public_score->'public'->>'meanPgr')::float8, ${reported})`;
  const { rows } = await pool.query<{
    id: string;
    agent_id: string;
    spec: ExperimentSpec;
    pgr: number;
    created_at: Date;
  }>(
    `SELECT e.id, e.agent_id, e.spec, ${pgr} AS pgr, e.created_at
     FROM experiments e JOIN eval_receipts r ON r.experiment_id = e.id
     WHERE e.campaign_id = $1 AND e.kind = 'research' AND e.status = 'scored'
     ORDER BY e.created_at, e.id`,
    [campaignId],
  );
  return rows;
}

const summarise = (answer: ComparisonResult, comparator: string) => {
  const c = answer.comparisons[comparator]!;
  return { pgrDifference: c.pgrDifference, pgrInterval: c.pgrInterval, pValue: c.pValue };
};

/** The promotion gate's side effects: its record, the arms it re-runs, the eval comparisons, the sign-off. */
export function createPromotionActivities(deps: PromotionActivityDeps) {
  return {
    /**
     * Whether a just-scored experiment beats every earlier one of its campaign (and PGR 0, the weak
     * model) by `margin` in public mean PGR and has no promotion yet: the automatic trigger. An
     * experiment with an open critical integrity flag is held back, and the campaign's record says
     * so (action `promotion_withheld`); an operator may promote it once the flags are cleared. The
     * researcher writes an experiment's flags before it reports the experiment finished, so the
     * flags of the experiment screened here are already in the record.
     */
    async isPromotionCandidate(input: {
      campaignId: string;
      experimentId: string;
      margin: number;
    }): Promise<boolean> {
      const scored = await scoredExperiments(deps.pool, input.campaignId, 'reported');
      const index = scored.findIndex((e) => e.id === input.experimentId);
      if (index < 0) return false;
      const bestBefore = Math.max(0, ...scored.slice(0, index).map((e) => e.pgr));
      if (scored[index]!.pgr < bestBefore + input.margin) return false;
      const existing = await deps.pool.query('SELECT 1 FROM promotions WHERE experiment_id = $1', [
        input.experimentId,
      ]);
      if (existing.rowCount !== 0) return false;
      const flags = await openCriticalFlags(deps.pool, input.experimentId);
      if (flags.length === 0) return true;
      await recordWithheld(deps, input.campaignId, input.experimentId, flags);
      return false;
    },

    /** Records the promotion and creates its arms: candidate, naive baseline, previous best, held-out pair. */
    async planPromotion(input: PromotionInput & { promotionId: string }): Promise<PromotionPlan> {
      const candidate = await findExperiment(deps.pool, input.experimentId);
      if (candidate === null)
        throw ApplicationFailure.nonRetryable(`no experiment ${input.experimentId}`, 'PromotionRefused');
      if (candidate.status !== 'scored') {
        throw ApplicationFailure.nonRetryable(
          `experiment ${input.experimentId} is ${candidate.status}, not scored: only scored experiments can be promoted`,
          'PromotionRefused',
        );
      }
      const campaign = await findCampaign(deps.pool, input.campaignId);
      if (campaign === null)
        throw ApplicationFailure.nonRetryable(`no campaign ${input.campaignId}`, 'PromotionRefused');
      const campaignSpec = campaign.spec as CampaignSpec;
      const row = await insertPromotion(deps.pool, {
        id: input.promotionId,
        campaignId: input.campaignId,
        experimentId: input.experimentId,
        trigger: input.trigger,
        requestedBy: input.requestedBy,
        seeds: input.freshSeeds,
      });
      const spec = candidate.spec as ExperimentSpec;
      const task = campaignSpec.task;
      const scored = await scoredExperiments(deps.pool, input.campaignId);
      const publicPgr = scored.find((e) => e.id === candidate.id)?.pgr ?? null;
      const others = scored.filter((e) => e.id !== candidate.id && canonical(e.spec) !== canonical(spec));
      const best = others.reduce<(typeof others)[number] | undefined>(
        (b, e) => (b === undefined || e.pgr > b.pgr ? e : b),
        undefined,
      );
      const heldOut = input.heldOutTask ?? campaignSpec.heldOutTask;
      const arms: { name: string; taskId: string; spec: ExperimentSpec }[] = [
        { name: 'candidate', taskId: task, spec },
        { name: 'naive', taskId: task, spec: naivePoint(task, TRAINER_DEFAULTS) as ExperimentSpec },
        ...(best ? [{ name: 'best', taskId: task, spec: best.spec }] : []),
        ...(heldOut
          ? [
              { name: 'heldout-candidate', taskId: heldOut, spec: { ...spec, task: heldOut } },
              {
                name: 'heldout-naive',
                taskId: heldOut,
                spec: naivePoint(heldOut, TRAINER_DEFAULTS) as ExperimentSpec,
              },
            ]
          : []),
      ];
      const planned: PromotionArm[] = [];
      for (const arm of arms) {
        const experimentId = `${candidate.id}-p-${arm.name}`;
        await insertExperiment(deps.pool, {
          id: experimentId,
          campaignId: input.campaignId,
          // The previous best is another agent's method (its code too): it stays with its author.
          agentId: arm.name === 'best' && best ? best.agent_id : candidate.agentId,
          seq: 0,
          hypothesis: `promotion ${input.promotionId}: ${arm.name} arm${arm.name === 'best' && best ? ` (${best.id})` : ''}`,
          spec: arm.spec,
          seeds: row.freshSeeds,
          noEval: true,
          kind: 'promotion',
          promotionId: input.promotionId,
        });
        planned.push({ ...arm, experimentId });
      }
      deps.logger.info({ promotionId: input.promotionId, arms: planned.length }, 'promotion planned');
      return {
        promotionId: row.id,
        candidateNumber: row.candidateNumber,
        threshold: correctedAlpha(input.alpha, row.candidateNumber),
        seeds: row.freshSeeds,
        publicPgr,
        arms: planned,
      };
    },

    /** Sends the arms' predictions to the eval server's paired comparison (private half, then held-out task). */
    async comparePromotionArms(input: {
      plan: PromotionPlan;
      runIds: Record<string, string[]>;
    }): Promise<PromotionNumbers> {
      const armPayload = async (names: string[]) => {
        const arms: Record<string, { seeds: { seed: number; probabilities: number[][] }[] }> = {};
        for (const name of names) {
          const bundles = await loadResultBundles(deps.pool, input.runIds[name]!);
          arms[name] = { seeds: bundles.map((b) => ({ seed: b.seed, probabilities: b.predictions ?? [] })) };
        }
        return arms;
      };
      const names = input.plan.arms.map((a) => a.name);
      const taskId = input.plan.arms.find((a) => a.name === 'candidate')!.taskId;
      const main = names.filter((n) => !n.startsWith('heldout-'));
      const privateAnswer = await deps.eval.compare({
        taskId,
        split: 'private',
        candidate: 'candidate',
        arms: await armPayload(main),
      });
      const heldOutTask = input.plan.arms.find((a) => a.name === 'heldout-candidate')?.taskId;
      const heldOutAnswer = heldOutTask
        ? await deps.eval.compare({
            taskId: heldOutTask,
            split: 'all',
            candidate: 'heldout-candidate',
            arms: await armPayload(['heldout-candidate', 'heldout-naive']),
          })
        : undefined;
      const meanPgr = (answer: ComparisonResult) =>
        Object.fromEntries(Object.entries(answer.arms).map(([n, a]) => [n, a.meanPgr]));
      return {
        candidateNumber: input.plan.candidateNumber,
        threshold: input.plan.threshold,
        seeds: input.plan.seeds,
        publicPgr: input.plan.publicPgr,
        private: {
          taskId,
          meanPgr: meanPgr(privateAnswer),
          vsNaive: summarise(privateAnswer, 'naive'),
          ...(privateAnswer.comparisons.best ? { vsBest: summarise(privateAnswer, 'best') } : {}),
        },
        ...(heldOutAnswer && heldOutTask
          ? {
              heldOut: {
                taskId: heldOutTask,
                meanPgr: meanPgr(heldOutAnswer),
                vsNaive: summarise(heldOutAnswer, 'heldout-naive'),
              },
            }
          : {}),
      };
    },

    /** Records the verdict, and posts its verdict word under the agent's claim on the forum (once). */
    async recordPromotionVerdict(input: {
      promotionId: string;
      state: PromotionState;
      reason: string;
      numbers: PromotionNumbers | null;
    }): Promise<PromotionStatus> {
      await recordVerdict(deps.pool, input.promotionId, input);
      const row = await findPromotion(deps.pool, input.promotionId);
      if (row === null) throw new Error(`promotion ${input.promotionId} vanished`);
      const claim = await deps.pool.query<{ id: string }>(
        'SELECT id FROM forum_posts WHERE idempotency_key = $1',
        [`${row.experimentId}:analysis`],
      );
      const parent = claim.rows[0] ? await findPost(deps.pool, Number(claim.rows[0].id)) : null;
      // Agents read the forum: the verdict reaches them as a word; the figures stay with operators.
      await insertPost(deps.pool, {
        campaignId: row.campaignId,
        parentId: parent?.id ?? null,
        authorKind: 'system',
        authorId: 'promotion-gate',
        kind: 'finding',
        ...promotionVerdictPost(row.experimentId, row.state),
        experimentIds: [row.experimentId],
        idempotencyKey: `${input.promotionId}:verdict`,
      });
      return statusOf(row);
    },

    /**
     * Records an operator's decision on a verified promotion. An acceptance is refused
     * (`PromotionRefused`, the promotion stays verified) while the candidate has an open critical
     * integrity flag; a rejection is always recorded.
     */
    async recordPromotionSignOff(input: { promotionId: string } & SignOff): Promise<PromotionStatus> {
      if (input.accept) {
        const promotion = await findPromotion(deps.pool, input.promotionId);
        const flags = promotion ? await openCriticalFlags(deps.pool, promotion.experimentId) : [];
        if (flags.length > 0) {
          throw ApplicationFailure.nonRetryable(
            `experiment ${promotion?.experimentId} has open critical integrity flags (${flags.map((f) => `${f.id} ${f.kind}`).join(', ')}): an operator must clear them before the promotion can be accepted`,
            'PromotionRefused',
            { flagIds: flags.map((f) => f.id) },
          );
        }
      }
      await recordSignOff(deps.pool, input.promotionId, input);
      const row = await findPromotion(deps.pool, input.promotionId);
      if (row === null) throw new Error(`promotion ${input.promotionId} vanished`);
      deps.logger.info(
        { promotionId: input.promotionId, operator: input.operator, accept: input.accept },
        'promotion signed off',
      );
      return statusOf(row);
    },
  };
}

/** Records once, in the campaign's record and the log, that an experiment was held back from promotion. */
async function recordWithheld(
  deps: PromotionActivityDeps,
  campaignId: string,
  experimentId: string,
  flags: { id: string; kind: string }[],
): Promise<void> {
  deps.logger.warn(
    { campaignId, experimentId, flagIds: flags.map((f) => f.id) },
    'promotion withheld: open critical integrity flags',
  );
  const recorded = await deps.pool.query(
    "SELECT 1 FROM operator_actions WHERE campaign_id = $1 AND action = 'promotion_withheld' AND detail->>'experimentId' = $2",
    [campaignId, experimentId],
  );
  if (recorded.rowCount !== 0) return;
  await insertCampaignEvent(deps.pool, {
    campaignId,
    actor: 'promotion-gate',
    action: 'promotion_withheld',
    detail: { experimentId, reason: 'open critical integrity flags', flags },
  });
}

function statusOf(row: NonNullable<Awaited<ReturnType<typeof findPromotion>>>): PromotionStatus {
  return {
    promotionId: row.id,
    experimentId: row.experimentId,
    state: row.state,
    reason: row.reason,
    numbers: row.numbers,
    signedOffBy: row.signedOffBy,
  };
}
