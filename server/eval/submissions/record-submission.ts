import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ProbeFlag, SubmissionReceipt } from '../../../core/api/eval/submissions.js';
import { ladderUpdate } from '../../../core/ladder.js';
import { withTransaction } from '../../../runtime/db.js';
import type { AppError } from '../../http/errors.js';
import { auditRecordOf } from '../audit/audit-hook.js';
import { appendAudit } from '../audit/audit-repository.js';
import type { AgentPrincipal } from '../auth/principal.js';
import type { EvalContext } from '../context.js';
import { auditFactsOf } from '../request-state.js';
import type { ParsedSubmission } from '../scoring/scoring-tasks.js';
import type { ScoringKey } from '../tasks/task-repository.js';
import { recordViolation } from '../violations/violation-repository.js';
import { type BudgetWindow, budgetRefusal, readUsage, type Usage } from './budget.js';
import { readLadder, writeLadder } from './ladder-repository.js';
import { storedAnswer } from './replay.js';
import type { ExactSplitScore, SeedClasses } from './score.js';
import { insertSubmission, lockAgentLedger, type StoredAnswer } from './submission-repository.js';

/** A validated submission, scored exactly (its intervals come later), ready to be recorded. */
export interface ScoredRequest {
  readonly agent: AgentPrincipal;
  readonly body: ParsedSubmission;
  readonly key: ScoringKey;
  readonly payloadSha256: string;
  readonly scored: {
    readonly classesBySeed: readonly SeedClasses[];
    readonly exact: { readonly public: ExactSplitScore; readonly private: ExactSplitScore };
  };
  readonly probe: ProbeFlag | null;
}

/** A stored receipt, a replay discovered under the lock, or a budget refusal. */
export type RecordOutcome =
  | { readonly receipt: SubmissionReceipt }
  | { readonly replay: StoredAnswer }
  | { readonly refusal: { window: BudgetWindow; error: AppError } };

/**
 * Records a scored submission in one transaction under the agent's ledger lock: re-checks the
 * idempotency key and the budget (so concurrent submissions of one agent are counted one after
 * another and never exceed it), applies the Ladder, stores the submission, its predicted
 * classes, a probe flag, and its audit entry. Nothing is written when it answers a replay or a
 * refusal. The submission is stored with its intervals pending, and a Ladder state it raises
 * without its interval: both are completed once the intervals are computed.
 */
export async function recordSubmission(
  ctx: EvalContext,
  request: FastifyRequest,
  input: ScoredRequest,
): Promise<RecordOutcome> {
  const { agent, body, key, scored, probe } = input;
  const owner = { campaignId: agent.campaignId, agentId: agent.agentId, taskId: key.taskId };
  return withTransaction(ctx.pool, async (client): Promise<RecordOutcome> => {
    await lockAgentLedger(client, agent.campaignId, agent.agentId);
    const stored = await storedAnswer(client, agent, body.idempotencyKey, input.payloadSha256);
    if (stored !== null) return { replay: stored };
    const usage = await readUsage(client, agent.campaignId, agent.agentId);
    const refusal = budgetRefusal(usage, {
      perHour: ctx.settings.budgetPerHour,
      perCampaign: ctx.settings.budgetPerCampaign,
    });
    if (refusal !== null) return { refusal };

    const submissionId = `sub_${randomBytes(12).toString('base64url')}`;
    const previous = await readLadder(client, owner.campaignId, owner.agentId, owner.taskId);
    const ladder = ladderUpdate(
      previous?.reportedPgr ?? null,
      scored.exact.public.meanPgr,
      ctx.settings.ladderStep,
    );
    const receipt = receiptOf(ctx, input, submissionId, usage, ladder);
    await insertSubmission(
      client,
      {
        ...owner,
        submissionId,
        experimentId: body.experimentId,
        idempotencyKey: body.idempotencyKey,
        payloadSha256: input.payloadSha256,
        viaAdmin: agent.viaAdmin,
        seedNumbers: body.seeds.map((s) => s.seed),
        public: scored.exact.public,
        private: scored.exact.private,
        receipt,
        probe,
        submittedAt: receipt.submittedAt,
      },
      scored.classesBySeed,
      key.numClasses,
    );
    if (ladder.improved) {
      await writeLadder(client, owner, {
        reportedPgr: ladder.reported,
        intervalLow: null,
        intervalHigh: null,
        submissionId,
        experimentId: body.experimentId,
      });
    }
    if (probe !== null) {
      await recordViolation(client, {
        kind: 'probe',
        campaignId: agent.campaignId,
        agentId: agent.agentId,
        experimentId: body.experimentId,
        submissionId,
        viaAdmin: agent.viaAdmin,
        detail: { nearestSubmissionId: probe.nearestSubmissionId, changedRows: probe.changedRows },
      });
    }
    noteForAudit(request, submissionId, input, ladder);
    await appendAudit(client, auditRecordOf(request, 201, 'ok'));
    return { receipt };
  });
}

function receiptOf(
  ctx: EvalContext,
  input: ScoredRequest,
  submissionId: string,
  usage: Usage,
  ladder: { reported: number; improved: boolean },
): SubmissionReceipt {
  const perHour = ctx.settings.budgetPerHour;
  const perCampaign = ctx.settings.budgetPerCampaign;
  return {
    submissionId,
    experimentId: input.body.experimentId,
    taskId: input.key.taskId,
    idempotencyKey: input.body.idempotencyKey,
    submittedAt: usage.now.toISOString(),
    seeds: input.body.seeds.length,
    reportedPgr: ladder.reported,
    improved: ladder.improved,
    step: ctx.settings.ladderStep,
    budget: {
      perHour,
      perCampaign,
      remainingThisHour: perHour - usage.lastHour - 1,
      remainingInCampaign: perCampaign - usage.inCampaign - 1,
    },
  };
}

function noteForAudit(
  request: FastifyRequest,
  submissionId: string,
  input: ScoredRequest,
  ladder: { reported: number; improved: boolean },
): void {
  const facts = auditFactsOf(request);
  facts.refs.submissionId = submissionId;
  facts.detail.payloadSha256 = input.payloadSha256;
  facts.detail.reportedPgr = ladder.reported;
  facts.detail.improved = ladder.improved;
  if (input.probe !== null) {
    facts.detail.probeOf = input.probe.nearestSubmissionId;
    facts.detail.probeChangedRows = input.probe.changedRows;
  }
}
