import type { AgentSettings, BudgetLimits } from '../../core/campaign-spec.js';
import type { OperatorMessage } from '../../workflows/definitions.js';

/** One experiment of the agent's own record or of another agent's forum post, as a policy sees it. */
export interface KnownExperiment {
  readonly experimentId: string;
  readonly agentId: string;
  readonly spec: unknown;
  readonly status: string;
  /** The Ladder-reported public PGR; absent when the experiment was not scored. */
  readonly reportedPgr?: number;
}

/** Everything a policy may read when it proposes. Forum-derived items are untrusted data. */
export interface ProposeContext {
  readonly campaignId: string;
  readonly agentId: string;
  readonly seq: number;
  readonly direction: string;
  readonly seed: number;
  readonly taskId: string;
  readonly own: readonly KnownExperiment[];
  /** Experiments other agents linked from their forum posts, with their reported scores. */
  readonly shared: readonly KnownExperiment[];
  readonly operatorMessages: readonly OperatorMessage[];
  readonly limits: PolicyLimits;
  /** The agent's model settings from the campaign spec (Claude policy). */
  readonly settings: AgentSettings;
}

export interface Proposal {
  readonly hypothesis: string;
  /** Validated against the experiment spec schema by the caller, not trusted here. */
  readonly spec: unknown;
  readonly noEval?: boolean;
}

export interface AnalyseContext {
  readonly campaignId: string;
  readonly agentId: string;
  readonly experimentId: string;
  readonly hypothesis: string;
  readonly spec: unknown;
  readonly status: string;
  readonly reason?: string;
  readonly reportedPgr?: number;
  readonly improved?: boolean;
  readonly step?: number;
  readonly bestBefore: { readonly pgr: number; readonly experimentId: string } | null;
  /** Mean accuracy against weak labels on the held-out weak split, per seed (no ground truth). */
  readonly weakValAccuracies: readonly number[];
  readonly limits: PolicyLimits;
  readonly settings: AgentSettings;
}

export interface Analysis {
  /** The agent's own conclusion, stored with the experiment. */
  readonly summary: string;
  /** A forum post to share, or none. */
  readonly post?: {
    readonly kind: 'finding' | 'result' | 'question';
    readonly title: string;
    readonly body: string;
  };
}

/**
 * A researcher policy: how an agent chooses its next experiment and what it concludes. The
 * offline `baseline` and the `claude` policy implement it; activities call it, workflows never do.
 */
export interface ResearcherPolicy {
  propose(context: ProposeContext): Promise<Proposal>;
  analyse(context: AnalyseContext): Promise<Analysis>;
}

/**
 * Thrown by a policy that must not go on now (a token or dollar budget is spent): the researcher
 * pauses with this reason as its status, instead of failing, until an operator raises the budget
 * and resumes it.
 */
export class PolicyPaused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'PolicyPaused';
  }
}

/** The budgets a policy must respect, as the researcher knows them at this step. */
export interface PolicyLimits {
  readonly agent?: BudgetLimits;
  readonly campaign?: BudgetLimits;
}
