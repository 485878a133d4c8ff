import type { Registry } from 'prom-client';
import type { Pool } from '../../../runtime/db.js';
import type { Logger } from '../../../runtime/logger.js';
import { experimentIdOf } from '../../../workflows/definitions.js';
import { modelMetrics } from '../../metrics.js';
import { appendNotebookEntry } from '../../store/notebook.js';
import type { AnalyseContext, Analysis, Proposal, ProposeContext, ResearcherPolicy } from '../policy.js';
import { createLedger } from './ledger.js';
import { createModelClient, type ModelConnection } from './model-client.js';
import { DEFAULT_MODEL } from './model-settings.js';
import { notebookForStep } from './notebook-memory.js';
import { analyseOpening, proposeOpening } from './openings.js';
import { DEFAULT_PRICES, type PriceTable } from './pricing.js';
import { systemBlocks } from './prompt.js';
import { type CallInput, DEFAULT_MAX_ROUNDS, runTurn, type TurnDeps } from './turn.js';
import { findTurn, saveTurn } from './turn-record.js';

export interface ClaudePolicyDeps {
  readonly pool: Pool;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly connection: ModelConnection;
  /** The model of agents whose settings name none. */
  readonly defaultModel?: string;
  readonly prices?: PriceTable;
  readonly maxRounds?: number;
}

/**
 * The `claude` researcher: each propose and analyse step is a tool-using Messages API
 * conversation (see README "Claude researchers"). A finished step is stored, so a retried activity
 * returns it without calling the model again; posts and ledger rows carry idempotency keys.
 */
export function createClaudePolicy(deps: ClaudePolicyDeps): ResearcherPolicy {
  const metrics = modelMetrics(deps.registry);
  const turnDeps: TurnDeps = {
    pool: deps.pool,
    logger: deps.logger,
    model: createModelClient(deps.connection),
    ledger: createLedger({ pool: deps.pool, prices: deps.prices ?? DEFAULT_PRICES, metrics }),
    metrics,
    defaultModel: deps.defaultModel ?? DEFAULT_MODEL,
    maxRounds: deps.maxRounds ?? DEFAULT_MAX_ROUNDS,
  };
  const agentOf = async (campaignId: string, agentId: string) => {
    const { rows } = await deps.pool.query<{ direction: string; task_id: string }>(
      `SELECT a.direction, c.task_id FROM agents a JOIN campaigns c ON c.id = a.campaign_id
       WHERE a.campaign_id = $1 AND a.id = $2`,
      [campaignId, agentId],
    );
    if (rows[0] === undefined) throw new Error(`agent ${agentId} of campaign ${campaignId} is not recorded`);
    return { direction: rows[0].direction, taskId: rows[0].task_id };
  };

  return {
    async propose(ctx: ProposeContext): Promise<Proposal> {
      const experimentId = experimentIdOf(ctx.campaignId, ctx.agentId, ctx.seq);
      const stored = await findTurn<Proposal>(deps.pool, experimentId, 'propose');
      if (stored !== null) return stored;
      const input: CallInput = {
        scope: {
          campaignId: ctx.campaignId,
          agentId: ctx.agentId,
          experimentId,
          step: 'propose',
          purpose: 'turn',
        },
        limits: ctx.limits,
        settings: ctx.settings,
        system: systemBlocks({ ...ctx, direction: ctx.direction }),
      };
      const notebook = await notebookForStep(turnDeps, input);
      const outcome = await runTurn(turnDeps, {
        ...input,
        taskId: ctx.taskId,
        opening: proposeOpening(ctx, experimentId, notebook),
      });
      const { proposal, attempted } = outcome.state;
      const result: Proposal = proposal ??
        attempted ?? {
          hypothesis: `no proposal within ${outcome.rounds} tool rounds. ${outcome.lastText}`.slice(0, 2000),
          spec: {},
        };
      deps.logger.info(
        {
          agentId: ctx.agentId,
          experimentId,
          step: 'propose',
          rounds: outcome.rounds,
          accepted: proposal !== undefined,
        },
        'model turn finished',
      );
      return await saveTurn(deps.pool, {
        experimentId,
        step: 'propose',
        campaignId: ctx.campaignId,
        agentId: ctx.agentId,
        rounds: outcome.rounds,
        result,
      });
    },

    async analyse(ctx: AnalyseContext): Promise<Analysis> {
      const { experimentId } = ctx;
      const stored = await findTurn<Analysis>(deps.pool, experimentId, 'analyse');
      if (stored !== null) return stored;
      const agent = await agentOf(ctx.campaignId, ctx.agentId);
      const input: CallInput = {
        scope: {
          campaignId: ctx.campaignId,
          agentId: ctx.agentId,
          experimentId,
          step: 'analyse',
          purpose: 'turn',
        },
        limits: ctx.limits,
        settings: ctx.settings,
        system: systemBlocks({ agentId: ctx.agentId, campaignId: ctx.campaignId, ...agent }),
      };
      const notebook = await notebookForStep(turnDeps, input);
      const outcome = await runTurn(turnDeps, {
        ...input,
        taskId: agent.taskId,
        opening: analyseOpening(ctx, notebook),
      });
      const finished = outcome.state.finished;
      const pgr = ctx.reportedPgr === undefined ? 'not scored' : `reported PGR ${ctx.reportedPgr.toFixed(3)}`;
      const summary =
        finished?.summary ??
        (outcome.lastText.trim() ||
          `${experimentId} ended ${ctx.status} (${pgr}); the analysis did not finish within ${outcome.rounds} tool rounds.`);
      await appendNotebookEntry(deps.pool, {
        campaignId: ctx.campaignId,
        agentId: ctx.agentId,
        kind: 'analysis',
        body: `${experimentId} (${ctx.status}, ${pgr}): ${summary}`,
        idempotencyKey: `${experimentId}:analyse:notebook`,
      });
      deps.logger.info(
        {
          agentId: ctx.agentId,
          experimentId,
          step: 'analyse',
          rounds: outcome.rounds,
          finished: finished !== undefined,
        },
        'model turn finished',
      );
      return await saveTurn(deps.pool, {
        experimentId,
        step: 'analyse',
        campaignId: ctx.campaignId,
        agentId: ctx.agentId,
        rounds: outcome.rounds,
        result: { summary, ...(finished?.post ? { post: finished.post } : {}) },
      });
    },
  };
}
