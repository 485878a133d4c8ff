import { readFileSync } from 'node:fs';
import { Type } from 'typebox';
import { ExperimentSpec, HOOK_SOURCE_MAX_CHARS } from '../../../core/experiment-spec.js';
import { parseWith, ValidationError } from '../../../core/validation.js';
import { insertPost, unlinkableExperiments } from '../../store/forum.js';
import { appendNotebookEntry } from '../../store/notebook.js';
import { define, MAX_NOTES_PER_STEP, MAX_POSTS_PER_STEP, ok, refuse } from './tool-kit.js';

/** The shared JSON Schema of the experiment spec (the file the Python trainer validates with). */
const SPEC_SCHEMA = (() => {
  const schema = JSON.parse(
    readFileSync(new URL('../../../core/schemas/experiment-spec.schema.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  delete schema.$id;
  delete schema.title;
  return schema;
})();

const PostKind = Type.Union([Type.Literal('finding'), Type.Literal('question')]);
const ExperimentIds = Type.Array(Type.String({ pattern: '^[A-Za-z0-9:._-]{1,200}$' }), { maxItems: 10 });

/** The tools that act: notes, forum posts, method code, the proposal, and the end of the step. */
export const ACT_TOOLS = {
  write_notebook: define({
    description: `Adds a note to your notebook (your memory across steps). At most ${MAX_NOTES_PER_STEP} per step.`,
    input: Type.Object(
      { note: Type.String({ minLength: 1, maxLength: 4000 }) },
      { additionalProperties: false },
    ),
    async run(ctx, input) {
      if (ctx.state.notes >= MAX_NOTES_PER_STEP)
        return refuse(`at most ${MAX_NOTES_PER_STEP} notes per step`);
      const n = ctx.state.notes++;
      await appendNotebookEntry(ctx.pool, {
        campaignId: ctx.campaignId,
        agentId: ctx.agentId,
        kind: 'note',
        body: input.note,
        idempotencyKey: `${ctx.experimentId}:${ctx.step}:note:${n}`,
      });
      return ok('noted');
    },
  }),
  post_to_forum: define({
    description: `Shares a finding or asks a question on the campaign forum. At most ${MAX_POSTS_PER_STEP} per step; your analysis's result post is made by finish. experimentIds may name only your own experiments.`,
    input: Type.Object(
      {
        kind: PostKind,
        title: Type.String({ minLength: 1, maxLength: 300 }),
        body: Type.String({ minLength: 1, maxLength: 8000 }),
        experimentIds: Type.Optional(ExperimentIds),
      },
      { additionalProperties: false },
    ),
    async run(ctx, input) {
      if (ctx.state.posts >= MAX_POSTS_PER_STEP)
        return refuse(`at most ${MAX_POSTS_PER_STEP} posts per step`);
      const author = { campaignId: ctx.campaignId, authorKind: 'agent' as const, authorId: ctx.agentId };
      const experimentIds = input.experimentIds ?? [];
      const refused = await unlinkableExperiments(ctx.pool, { ...author, experimentIds });
      if (refused.length > 0)
        return refuse(
          `a post may link only your own experiments of this campaign; not yours: ${refused.join(', ')}. Name another agent's experiment in the text instead.`,
        );
      const n = ctx.state.posts++;
      const post = await insertPost(ctx.pool, {
        ...author,
        kind: input.kind,
        title: input.title,
        body: input.body,
        experimentIds,
        // Deterministic per step and post: a retried step adopts the first attempt's post.
        idempotencyKey: `${ctx.experimentId}:${ctx.step}:post:${n}`,
      });
      return ok(`posted as #${post.id}`);
    },
  }),
  write_hook: define({
    description: `Saves method code for the trainer's hook: Python defining loss(logits, weak_probs, progress). It is attached as spec.hook to your next propose_experiment unless that spec has its own hook. At most ${HOOK_SOURCE_MAX_CHARS} characters.`,
    input: Type.Object({ source: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    async run(ctx, input) {
      if (ctx.step !== 'propose') return refuse('write_hook is for proposing; this step is an analysis');
      if (input.source.length > HOOK_SOURCE_MAX_CHARS)
        return refuse(`the hook is ${input.source.length} characters; the limit is ${HOOK_SOURCE_MAX_CHARS}`);
      if (!/^\s*def\s+loss\s*\(/m.test(input.source))
        return refuse('the hook must define a top-level function loss(logits, weak_probs, progress)');
      ctx.state.hook = input.source;
      return ok(`hook saved (${input.source.length} characters); it goes with your next propose_experiment`);
    },
  }),
  propose_experiment: define({
    description:
      'Proposes the next experiment: a hypothesis and a spec valid against the schema below. An invalid spec comes back as an error naming every bad field; correct it and call again. The last accepted proposal is the one that runs.',
    input: Type.Object(
      {
        hypothesis: Type.String({ minLength: 1, maxLength: 4000 }),
        spec: Type.Unsafe<unknown>(SPEC_SCHEMA),
        noEval: Type.Optional(
          Type.Boolean({
            description: 'Run without scoring (an exploratory run that spends no submission).',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    // The spec itself is checked by the tool, against the experiment spec, with field-by-field messages.
    check: Type.Object(
      {
        hypothesis: Type.String({ minLength: 1, maxLength: 4000 }),
        spec: Type.Object({}),
        noEval: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
    async run(ctx, input) {
      if (ctx.step !== 'propose')
        return refuse('propose_experiment is for proposing; this step is an analysis');
      const raw = input.spec as Record<string, unknown>;
      const spec =
        ctx.state.hook !== undefined && raw.hook === undefined
          ? { ...raw, hook: { source: ctx.state.hook } }
          : raw;
      const noEval = input.noEval ?? false;
      ctx.state.attempted = { hypothesis: input.hypothesis, spec, noEval };
      let parsed: ExperimentSpec;
      try {
        parsed = parseWith(ExperimentSpec, spec, 'experiment spec');
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        return refuse(`${error.message}. Correct these fields and call propose_experiment again.`);
      }
      if (parsed.task !== ctx.taskId)
        return refuse(`experiment spec is invalid: task: must be this campaign's task '${ctx.taskId}'`);
      ctx.state.proposal = { hypothesis: input.hypothesis, spec: parsed, noEval };
      return ok('accepted. Call finish to end this step (post to the forum first if others should know).');
    },
  }),
  finish: define({
    description:
      'Ends this step. Proposing: after propose_experiment was accepted. Analysing: with summary (your conclusion, kept in your notebook) and, when others should know, post.',
    input: Type.Object(
      {
        summary: Type.Optional(Type.String({ minLength: 1, maxLength: 8000 })),
        post: Type.Optional(
          Type.Object(
            {
              kind: Type.Union([Type.Literal('finding'), Type.Literal('result'), Type.Literal('question')]),
              title: Type.String({ minLength: 1, maxLength: 300 }),
              body: Type.String({ minLength: 1, maxLength: 8000 }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    async run(ctx, input) {
      if (ctx.step === 'propose' && ctx.state.proposal === undefined)
        return refuse('no accepted proposal yet: call propose_experiment first');
      if (ctx.step === 'analyse' && input.summary === undefined)
        return refuse('an analysis needs a summary: say what the result means');
      ctx.state.finished = {
        ...(input.summary !== undefined ? { summary: input.summary } : {}),
        ...(input.post !== undefined ? { post: input.post } : {}),
      };
      return ok('step finished');
    },
  }),
};
