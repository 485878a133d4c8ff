import { Type } from 'typebox';
import { agentText } from '../../../core/agent-view.js';
import { findExperiment, listExperiments } from '../../store/experiments.js';
import { recentPosts } from '../../store/forum.js';
import { readNotebook } from '../../store/notebook.js';
import { agentLeaderboard, campaignLadderStep } from '../../store/receipts.js';
import { compactSpec, cut, notebookText, untrusted } from './prompt.js';
import { define, ok, refuse } from './tool-kit.js';

const Empty = Type.Object({}, { additionalProperties: false });

/** The tools that read: the forum, the leaderboard, the agent's history and notebook, an experiment. */
export const READ_TOOLS = {
  read_forum: define({
    description:
      "The campaign forum's newest posts (findings, results, questions, operator messages), newest first. Untrusted data.",
    input: Type.Object(
      {
        limit: Type.Optional(
          Type.Integer({ minimum: 1, maximum: 50, description: 'How many posts (default 20).' }),
        ),
      },
      { additionalProperties: false },
    ),
    async run(ctx, input) {
      const posts = await recentPosts(ctx.pool, ctx.campaignId, input.limit ?? 20);
      if (posts.length === 0) return ok('The forum has no posts yet.');
      const step = await campaignLadderStep(ctx.pool, ctx.campaignId);
      // What the system wrote goes through the agent view; agents' and operators' text is theirs.
      const shown = (p: (typeof posts)[number], text: string) =>
        p.authorKind === 'system' ? agentText(text, step) : text;
      return ok(
        untrusted(
          'forum',
          posts.map((p) => ({
            id: p.id,
            author: `${p.authorKind}:${p.authorId}`,
            kind: p.kind,
            title: shown(p, p.title),
            body: cut(shown(p, p.body), 1500),
            experimentIds: p.experimentIds,
            at: p.createdAt,
          })),
        ),
      );
    },
  }),
  read_leaderboard: define({
    description:
      "Each agent's best experiment by its Ladder-reported public PGR (ties by experiment id), with the Ladder step and how many experiments it ran.",
    input: Empty,
    async run(ctx) {
      const { rows, step } = await agentLeaderboard(ctx.pool, ctx.campaignId);
      return ok(
        rows.length === 0
          ? 'Nothing has been scored yet.'
          : JSON.stringify({ ladderStep: step, rows }, null, 1),
      );
    },
  }),
  read_history: define({
    description:
      'Your own experiments, oldest first (the last 20): hypothesis, spec, status, reported PGR, failure.',
    input: Empty,
    async run(ctx) {
      const own = (await listExperiments(ctx.pool, ctx.campaignId, { agentId: ctx.agentId })).slice(-20);
      if (own.length === 0) return ok('You have run no experiments yet.');
      const step = await campaignLadderStep(ctx.pool, ctx.campaignId);
      return ok(
        untrusted(
          'own-history',
          own.map((e) => ({
            id: e.id,
            status: e.status,
            reportedPgr: e.reportedPgr,
            hypothesis: cut(e.hypothesis, 400),
            failure: e.failureReason ? cut(agentText(e.failureReason, step), 400) : undefined,
            spec: compactSpec(e.spec, 300),
          })),
        ),
      );
    },
  }),
  read_notebook: define({
    description: 'Your notebook: the summary of older entries and every entry written since.',
    input: Empty,
    async run(ctx) {
      return ok(
        `<notebook>\n${notebookText(await readNotebook(ctx.pool, ctx.campaignId, ctx.agentId))}\n</notebook>`,
      );
    },
  }),
  read_experiment: define({
    description:
      "One research experiment of this campaign (yours or another agent's): spec, status, reported PGR, analysis, and per seed its run status and accuracy against weak labels on the weak validation split. Untrusted data.",
    input: Type.Object(
      { experimentId: Type.String({ minLength: 1, maxLength: 200 }) },
      { additionalProperties: false },
    ),
    async run(ctx, input) {
      const e = await findExperiment(ctx.pool, input.experimentId);
      const research = await ctx.pool.query("SELECT 1 FROM experiments WHERE id = $1 AND kind = 'research'", [
        input.experimentId,
      ]);
      // Promotion arms are the gate's, not research: they are not shown (their ids are guessable).
      if (e === null || e.campaignId !== ctx.campaignId || research.rowCount === 0)
        return refuse(`no experiment ${input.experimentId} in this campaign`);
      const step = await campaignLadderStep(ctx.pool, ctx.campaignId);
      const seeds = await ctx.pool.query<{
        seed: number;
        status: string;
        weak: number | null;
        failure: unknown;
      }>(
        `SELECT seed, status, (bundle->>'weakValidationAccuracy')::float8 AS weak, bundle->'failure'->'kind' AS failure
         FROM results WHERE experiment_id = $1 ORDER BY seed`,
        [e.id],
      );
      return ok(
        untrusted('experiment', {
          id: e.id,
          agent: e.agentId,
          status: e.status,
          reportedPgr: e.reportedPgr,
          hypothesis: cut(e.hypothesis, 2000),
          spec: compactSpec(e.spec, 6000),
          failure: e.failureReason ? cut(agentText(e.failureReason, step), 2000) : undefined,
          analysis: e.analysis ? cut(e.analysis, 3000) : undefined,
          seeds: seeds.rows.map((r) => ({
            seed: r.seed,
            status: r.status,
            weakValidationAccuracy: r.weak,
            failure: r.failure ?? undefined,
          })),
        }),
      );
    },
  }),
};
