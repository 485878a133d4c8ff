import { byLadder } from '../../../core/agent-view.js';
import type { NotebookView } from '../../store/notebook.js';
import type { AnalyseContext, ProposeContext } from '../policy.js';
import { compactSpec, cut, notebookText, untrusted } from './prompt.js';

const RECENT_OWN = 8;
const SHARED_SHOWN = 5;

const notebookBlock = (view: NotebookView) => `<notebook>\n${cut(notebookText(view), 24_000)}\n</notebook>`;

/** The first message of a propose step: the notebook, the agent's recent record, operator messages. */
export function proposeOpening(ctx: ProposeContext, experimentId: string, notebook: NotebookView): string {
  const own = ctx.own.slice(-RECENT_OWN).map((e) => ({
    id: e.experimentId,
    status: e.status,
    reportedPgr: e.reportedPgr,
  }));
  const shared = ctx.shared
    .flatMap((e) => (e.reportedPgr === undefined ? [] : [{ ...e, reportedPgr: e.reportedPgr }]))
    .sort(byLadder)
    .slice(0, SHARED_SHOWN)
    .map((e) => ({
      id: e.experimentId,
      agent: e.agentId,
      reportedPgr: e.reportedPgr,
      spec: compactSpec(e.spec, 1500),
    }));
  const parts = [
    `Step: propose experiment ${experimentId} (your experiment number ${ctx.seq + 1}).`,
    `Your notebook:\n${notebookBlock(notebook)}`,
    own.length > 0
      ? `Your last ${own.length} experiments (read_history and read_experiment give details):\n${untrusted('own-history', own)}`
      : 'You have run no experiments yet.',
    shared.length > 0
      ? `The best experiments other agents linked on the forum (scores from the record):\n${untrusted('forum-shared', shared)}`
      : '',
    ctx.operatorMessages.length > 0
      ? `Messages from the campaign's operators (they run this campaign; take them into account):\n${ctx.operatorMessages
          .map((m) => `- ${m.from}: ${cut(m.text, 2000)}`)
          .join('\n')}`
      : '',
    'Propose your next experiment: read what you need, call propose_experiment, then finish.',
  ];
  return parts.filter((p) => p !== '').join('\n\n');
}

/** The first message of an analyse step: the experiment's outcome (untrusted data) and the notebook. */
export function analyseOpening(ctx: AnalyseContext, notebook: NotebookView): string {
  const outcome = {
    experimentId: ctx.experimentId,
    hypothesis: cut(ctx.hypothesis, 4000),
    spec: compactSpec(ctx.spec, 6000),
    status: ctx.status,
    reason: ctx.reason === undefined ? undefined : cut(ctx.reason, 2000),
    reportedPgr: ctx.reportedPgr,
    newBestOnLadder: ctx.improved,
    ladderStep: ctx.step,
    yourBestBefore: ctx.bestBefore,
    weakValidationAccuracyPerSeed: ctx.weakValAccuracies,
  };
  return [
    `Step: analyse experiment ${ctx.experimentId}.`,
    `Its outcome:\n${untrusted('result', outcome)}`,
    `Your notebook:\n${notebookBlock(notebook)}`,
    'Was the hypothesis supported by these numbers? What do you conclude and what would you try next? Call finish with a summary for your notebook and, when others should know, a forum post.',
  ].join('\n\n');
}
