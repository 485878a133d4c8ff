/**
 * Names shared by workflows, workers, the api server and the CLI: task queues, workflow ids,
 * signals, queries and workflow I/O. Deterministic code only; safe to import anywhere.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AgentSpec,
  BudgetLimits,
  CampaignSpec,
  ExecutorName,
  PolicyRetry,
} from '../core/campaign-spec.js';
import type { ExperimentSpec } from '../core/experiment-spec.js';

/** Workflows and light activities (agents, database, eval client, forum). */
export const ORCHESTRATOR_QUEUE = 'orchestrator';
/** Executor activities that hold cluster credentials; scaled and secured apart. */
export const DISPATCH_QUEUE = 'dispatch';

/** Queue names under an optional prefix, so isolated stacks can share one Temporal server. */
export const queueNames = (prefix: string) => ({
  orchestrator: `${prefix}${ORCHESTRATOR_QUEUE}`,
  dispatch: `${prefix}${DISPATCH_QUEUE}`,
});

/** The dispatch queue that pairs with the orchestrator queue a workflow runs on. */
export const dispatchQueueFor = (orchestratorQueue: string): string =>
  `${orchestratorQueue.slice(0, orchestratorQueue.length - ORCHESTRATOR_QUEUE.length)}${DISPATCH_QUEUE}`;

// ---- ids: deterministic, so retried activities and restarted workflows find what exists ----

export const campaignWorkflowId = (campaignId: string): string => `campaign-${campaignId}`;
export const researcherWorkflowId = (campaignId: string, agentId: string, restart = 0): string =>
  `campaign-${campaignId}-agent-${agentId}${restart > 0 ? `-r${restart}` : ''}`;
export const experimentIdOf = (campaignId: string, agentId: string, seq: number): string =>
  `${campaignId}-${agentId}-${String(seq).padStart(4, '0')}`;
export const experimentWorkflowId = (experimentId: string): string => `experiment-${experimentId}`;
export const runIdOf = (experimentId: string, seed: number, attempt: number): string =>
  `${experimentId}-s${seed}-a${attempt}`;

// ---- outages ----

/**
 * The failure type of an activity attempt that could not reach a service it needs. Bookkeeping
 * retries it without limit; a researcher's policy step stops retrying it and waits the outage out,
 * showing what it waits for as the agent's state.
 */
export const DEPENDENCY_UNAVAILABLE = 'DependencyUnavailable';
/** The services an orchestrator activity may find unreachable, as operators read them. */
export const DEPENDENCIES = {
  database: 'the database',
  eval_server: 'the eval server',
  temporal: 'Temporal',
} as const;
export type Dependency = keyof typeof DEPENDENCIES;

// ---- the first path (kept: the demo of issue #2 and a smoke test use it) ----

export interface RegisterCampaignInput {
  readonly campaignId: string;
  readonly name: string;
  readonly taskId: string;
  readonly spec: Record<string, unknown>;
}
export interface RegisterCampaignResult {
  readonly campaignId: string;
  readonly status: string;
  readonly createdAt: string;
  /** False when the row already existed (a retried or repeated registration). */
  readonly created: boolean;
}
export const registerCampaignWorkflowId = (campaignId: string): string => `campaign-register-${campaignId}`;

// ---- experiments ----

/** The public score an agent is shown: the Ladder view of the eval server, nothing finer. */
export interface ReportedScore {
  readonly submissionId: string;
  readonly reportedPgr: number;
  readonly improved: boolean;
  readonly step: number;
}

export interface ExperimentInput {
  readonly experimentId: string;
  readonly campaignId: string;
  readonly agentId: string;
  readonly taskId: string;
  readonly spec: ExperimentSpec;
  readonly seeds: readonly number[];
  readonly noEval: boolean;
  readonly executor: ExecutorName;
  readonly maxRunAttempts: number;
  /** The campaign's wall-clock limit per run; lowers each spec's `resources.maxWallSeconds`. */
  readonly maxRunWallSeconds?: number;
}

export type ExperimentStatus = 'scored' | 'unscored' | 'failed' | 'invalid' | 'cancelled';

export interface SeedRunSummary {
  readonly seed: number;
  readonly attempts: number;
  readonly status: 'succeeded' | 'failed';
  readonly failureKind?: string;
}

export interface ExperimentOutcome {
  readonly experimentId: string;
  readonly status: ExperimentStatus;
  readonly reason?: string;
  readonly score?: ReportedScore;
  readonly gpuSeconds: number;
  readonly runs: readonly SeedRunSummary[];
}

// ---- researchers ----

export type AgentState =
  | 'starting'
  | 'proposing'
  | 'running'
  | 'analysing'
  | 'waiting'
  | 'paused'
  | 'stopped'
  | 'done';

/** One line of an agent's history: compact, so continue-as-new carries little. */
export interface HistoryEntry {
  readonly experimentId: string;
  readonly hypothesis: string;
  readonly status: ExperimentStatus;
  readonly reportedPgr?: number;
}

export interface ResearcherState {
  readonly seq: number;
  readonly experimentsDone: number;
  readonly gpuSeconds: number;
  readonly best?: { readonly pgr: number; readonly experimentId: string };
  readonly paused: boolean;
  readonly stopRequested: boolean;
  readonly pendingMessages: readonly OperatorMessage[];
  readonly history: readonly HistoryEntry[];
  readonly budget?: BudgetLimits;
  readonly campaignBudget?: BudgetLimits;
  readonly startedAtMs: number;
  /** Why the agent is paused by itself (a policy budget), shown as its status; null otherwise. */
  readonly pauseReason?: string | null;
}

export interface ResearcherInput {
  readonly campaignId: string;
  readonly campaignWorkflowId: string;
  readonly agent: AgentSpec;
  readonly taskId: string;
  readonly seedsPerExperiment: number;
  readonly executor: ExecutorName;
  readonly maxRunAttempts: number;
  /** The campaign's wall-clock limit per run; lowers each spec's `resources.maxWallSeconds`. */
  readonly maxRunWallSeconds?: number;
  /** The per-agent budget from the campaign spec; a budget signal overrides it. */
  readonly budget?: BudgetLimits;
  /** The campaign budget, for limits a policy checks itself (tokens, dollars); kept current by signal. */
  readonly campaignBudget?: BudgetLimits;
  /** Continue as new after this many experiments even if Temporal does not suggest it (tests, tuning). */
  readonly continueAsNewAfter?: number;
  /** How often a policy step is tried before it fails for good (the campaign spec's `advanced.policyRetry`). */
  readonly policyRetry?: PolicyRetry;
  /** Present when continuing as new, or when the campaign restarts a failed researcher. */
  readonly state?: ResearcherState;
}

export interface ResearcherSummary {
  readonly agentId: string;
  readonly experimentsDone: number;
  readonly gpuSeconds: number;
  readonly best?: { readonly pgr: number; readonly experimentId: string };
  readonly endReason: string;
}

export interface ResearcherStatus {
  readonly agentId: string;
  readonly state: AgentState;
  readonly detail: string;
  readonly currentHypothesis: string | null;
  readonly currentExperimentId: string | null;
  readonly experimentsDone: number;
  readonly gpuSeconds: number;
  readonly best: { readonly pgr: number; readonly experimentId: string } | null;
}

export interface OperatorMessage {
  readonly from: string;
  readonly text: string;
}

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const stopSignal = defineSignal<[{ reason: string }]>('stop');
export const operatorMessageSignal = defineSignal<[OperatorMessage]>('operatorMessage');
export const setBudgetSignal = defineSignal<[BudgetLimits]>('setBudget');
/** The campaign forwards its budget to researchers, whose policies check token and dollar limits. */
export const campaignBudgetSignal = defineSignal<[BudgetLimits]>('campaignBudget');
/** The campaign's answer to a researcher's request to start experiment `seq`. */
export const slotReplySignal = defineSignal<[{ seq: number; granted: boolean; reason: string }]>('slotReply');

export const researcherStatusQuery = defineQuery<ResearcherStatus>('status');
export const currentHypothesisQuery = defineQuery<string | null>('currentHypothesis');
export const historySummaryQuery = defineQuery<readonly HistoryEntry[]>('historySummary');

// ---- campaigns ----

export interface CampaignInput {
  readonly campaignId: string;
  readonly spec: CampaignSpec;
  /** Present when continuing as new. */
  readonly state?: CampaignState;
}

export interface CampaignState {
  readonly startedAtMs: number;
  readonly granted: number;
  readonly gpuSeconds: number;
  readonly paused: boolean;
  readonly stopping: string | null;
  readonly budget?: BudgetLimits;
  readonly agents: Readonly<Record<string, CampaignAgentState>>;
}

export interface CampaignAgentState {
  readonly workflowId: string;
  /** Restarts over the whole campaign (shown to operators). */
  readonly restarts: number;
  /** When the restarts of the last 24 hours happened (epoch ms): the campaign's limit counts these. */
  readonly restartTimesMs?: readonly number[];
  readonly closed: boolean;
  readonly lastState?: ResearcherState;
  readonly summary?: ResearcherSummary;
}

export interface CampaignSummary {
  readonly campaignId: string;
  readonly status: 'completed' | 'cancelled';
  readonly endReason: string;
  readonly experiments: number;
  readonly gpuHours: number;
  readonly elapsedHours: number;
  readonly agents: readonly ResearcherSummary[];
}

export interface CampaignStatus {
  readonly campaignId: string;
  readonly paused: boolean;
  readonly stopping: string | null;
  readonly granted: number;
  readonly gpuSeconds: number;
  readonly budget: BudgetLimits | null;
  readonly budgetFractionUsed: number;
  readonly agents: readonly { agentId: string; workflowId: string; restarts: number; closed: boolean }[];
}

/** A researcher asks for permission to start experiment `seq`; the campaign answers with {@link slotReplySignal}. */
export const slotRequestSignal =
  defineSignal<[{ agentId: string; workflowId: string; seq: number }]>('slotRequest');
/** A researcher reports a finished experiment, so the campaign can account its budget. */
export const experimentFinishedSignal =
  defineSignal<[{ agentId: string; experimentId: string; gpuSeconds: number; state: ResearcherState }]>(
    'experimentFinished',
  );
export const campaignStatusQuery = defineQuery<CampaignStatus>('campaignStatus');

// ---- promotions ----

export const promotionWorkflowId = (experimentId: string): string => `promotion-${experimentId}`;

export interface PromotionInput {
  readonly campaignId: string;
  readonly experimentId: string;
  readonly trigger: 'auto' | 'operator';
  readonly requestedBy: string;
  readonly executor: ExecutorName;
  readonly maxRunAttempts: number;
  /** The campaign's wall-clock limit per run; lowers each spec's `resources.maxWallSeconds`. */
  readonly maxRunWallSeconds?: number;
  /** How many fresh seeds each arm runs on (at least 5). */
  readonly freshSeeds: number;
  /** Family-wise error rate before the correction for the number of candidates tested. */
  readonly alpha: number;
  readonly heldOutTask?: string;
}

export type PromotionState =
  | 'running'
  | 'verified'
  | 'not_significant'
  | 'failed_transfer'
  | 'failed'
  | 'accepted'
  | 'rejected';

/** One arm against another: PGR difference, its 95 % interval and the one-sided p-value. */
export interface ArmComparison {
  readonly pgrDifference: number;
  readonly pgrInterval: { readonly low: number; readonly high: number };
  readonly pValue: number;
}

/** What the gate measured: the numbers behind the verdict. */
export interface PromotionNumbers {
  readonly candidateNumber: number;
  readonly threshold: number;
  readonly seeds: readonly number[];
  readonly publicPgr: number | null;
  readonly private: {
    readonly taskId: string;
    readonly meanPgr: Readonly<Record<string, number>>;
    readonly vsNaive: ArmComparison;
    readonly vsBest?: ArmComparison;
  };
  readonly heldOut?: {
    readonly taskId: string;
    readonly meanPgr: Readonly<Record<string, number>>;
    readonly vsNaive: ArmComparison;
  };
}

export interface PromotionStatus {
  readonly promotionId: string;
  readonly experimentId: string;
  readonly state: PromotionState;
  readonly reason: string | null;
  readonly numbers: PromotionNumbers | null;
  readonly signedOffBy: string | null;
}

export interface SignOff {
  readonly operator: string;
  readonly reason: string;
  readonly accept: boolean;
}

export const promotionStatusQuery = defineQuery<PromotionStatus>('promotionStatus');
/** A human's decision on a verified promotion, with their identity and reason; refused otherwise. */
export const signOffUpdate = defineUpdate<PromotionStatus, [SignOff]>('signOff');
