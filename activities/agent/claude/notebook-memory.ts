import { appendNotebookEntry, type NotebookView, readNotebook } from '../../store/notebook.js';
import { cut, notebookText } from './prompt.js';
import { type CallInput, callModel, type TurnDeps } from './turn.js';

/** Entries beyond this many characters are folded into the summary before a step starts. */
export const NOTEBOOK_FOLD_CHARS = 12_000;
/** The longest summary kept: the notebook the prompt carries stays under about twice the fold size. */
export const SUMMARY_MAX_CHARS = 6_000;

const size = (view: NotebookView) => view.entries.reduce((n, e) => n + e.body.length, 0);

/**
 * Reads the agent's notebook, first folding older entries into a new summary when the entries
 * written since the last summary outgrow {@link NOTEBOOK_FOLD_CHARS}. The model writes the summary
 * (one call, no tools, priced and budgeted like any other); the newest entries stay verbatim. So
 * a week-long run carries a bounded notebook: one summary plus the recent entries.
 */
export async function notebookForStep(deps: TurnDeps, input: CallInput): Promise<NotebookView> {
  const { campaignId, agentId, experimentId, step } = input.scope;
  const view = await readNotebook(deps.pool, campaignId, agentId);
  if (size(view) <= NOTEBOOK_FOLD_CHARS) return view;

  // Keep the newest entries that fit in half the fold size; fold everything older.
  let kept = 0;
  let keepFrom = view.entries.length;
  while (keepFrom > 0 && kept + view.entries[keepFrom - 1]!.body.length <= NOTEBOOK_FOLD_CHARS / 2) {
    keepFrom -= 1;
    kept += view.entries[keepFrom]!.body.length;
  }
  const folded = view.entries.slice(0, Math.max(1, keepFrom));
  const old = notebookText({ summary: view.summary, entries: folded });
  const message = await callModel(
    deps,
    { ...input, scope: { ...input.scope, purpose: 'notebook' } },
    {
      tool_choice: { type: 'none' },
      messages: [
        {
          role: 'user',
          content: `Your notebook has grown long. Rewrite the part below as one summary of at most ${Math.floor(SUMMARY_MAX_CHARS / 6)} words that keeps what you will need: experiment ids with their measured PGR, what worked, what failed and why, open questions, and what you planned next. Answer with the summary only.\n\n<notebook-part>\n${cut(old, 40_000)}\n</notebook-part>`,
        },
      ],
    },
  );
  const text = message.content
    .flatMap((b) => (b.type === 'text' ? [b.text] : []))
    .join('\n')
    .trim();
  // A reply cut short or empty still leaves a bounded notebook: the old text, cut.
  const summary = cut(text !== '' ? text : old, SUMMARY_MAX_CHARS);
  await appendNotebookEntry(deps.pool, {
    campaignId,
    agentId,
    kind: 'summary',
    body: summary,
    coversThrough: folded.at(-1)!.id,
    idempotencyKey: `${experimentId}:${step}:summary`,
  });
  deps.logger.info({ agentId, experimentId, folded: folded.length }, 'notebook folded');
  return await readNotebook(deps.pool, campaignId, agentId);
}
