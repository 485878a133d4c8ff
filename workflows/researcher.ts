import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  ChildWorkflowFailure,
  condition,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/types.js';
import { mayStartExperiment } from '../core/budget.js';
import type { ExperimentSpec } from '../core/experiment-spec.js';
import {
  type AgentState,
  campaignBudgetSignal,
  currentHypothesisQuery,
  DEPENDENCIES,
  DEPENDENCY_UNAVAILABLE,
  type Dependency,
  type ExperimentOutcome,
  experimentFinishedSignal,
  experimentIdOf,
  experimentWorkflowId,
  type HistoryEntry,
  historySummaryQuery,
  operatorMessageSignal,
  pauseSignal,
  type ResearcherInput,
  type ResearcherState,
  type ResearcherSummary,
  researcherStatusQuery,
  resumeSignal,
  setBudgetSignal,
  slotReplySignal,
  slotRequestSignal,
  stopSignal,
} from './definitions.js';
import { experimentWorkflow } from './experiment.js';

/**
 * Policy steps (propose, analyse). A call (a model turn for Claude agents) can take minutes; it
 * heartbeats while it waits. Its own errors are retried `policyRetry` times (default 10, at most a
 * minute apart); an unreachable dependency is not retried here but waited out by the researcher.
 */
const policySteps = (retry: ResearcherInput['policyRetry']) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '15 minutes',
    heartbeatTimeout: '2 minutes',
    retry: {
      initialInterval: `${Math.min(2, retry?.maximumIntervalSeconds ?? 60)} seconds`,
      maximumInterval: `${retry?.maximumIntervalSeconds ?? 60} seconds`,
      backoffCoefficient: 2,
      maximumAttempts: retry?.maximumAttempts ?? 10,
      nonRetryableErrorTypes: [DEPENDENCY_UNAVAILABLE],
    },
  });

/**
 * The record's bookkeeping: status writes, integrity checks, experiment outcomes, ending a replaced
 * child. It must happen however long the database, the eval server or Temporal is away, so it
 * retries without an attempt limit, at most a minute apart, for up to a week; only an input that
 * fails validation (the same on every try) stops it at once.
 */
const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  scheduleToCloseTimeout: '7 days',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '1 minute',
    backoffCoefficient: 2,
    nonRetryableErrorTypes: ['ValidationError'],
  },
});

/** The first wait after a policy step met an outage; it doubles up to {@link OUTAGE_WAIT_MAX_MS}. */
const OUTAGE_WAIT_MS = 5000;
const OUTAGE_WAIT_MAX_MS = 5 * 60_000;

/** History entries carried across continue-as-new; older ones live in PostgreSQL. */
const HISTORY_KEPT = 20;

/**
 * One research agent: propose → run experiment → analyse → post to the forum → check budget →
 * repeat, until its budget or the campaign's is spent or an operator stops it. Pause, resume,
 * stop, operator messages and budget changes arrive as signals; state is compact so the loop
 * continues as new whenever Temporal suggests it.
 */
export async function researcherWorkflow(input: ResearcherInput): Promise<ResearcherSummary> {
  const agentId = input.agent.id;
  const agent = policySteps(input.policyRetry);
  let state: ResearcherState = input.state ?? {
    seq: 0,
    experimentsDone: 0,
    gpuSeconds: 0,
    paused: false,
    stopRequested: false,
    pendingMessages: [],
    history: [],
    startedAtMs: Date.now(),
    ...(input.campaignBudget ? { campaignBudget: input.campaignBudget } : {}),
  };
  let phase: AgentState = 'starting';
  let detail = '';
  let hypothesis: string | null = null;
  let currentExperimentId: string | null = null;
  const slotReplies = new Map<number, { granted: boolean; reason: string }>();

  const set = (patch: Partial<ResearcherState>) => {
    state = { ...state, ...patch };
  };
  setHandler(pauseSignal, () => set({ paused: true }));
  setHandler(resumeSignal, () => set({ paused: false }));
  setHandler(stopSignal, ({ reason }) => {
    set({ stopRequested: true });
    detail = `stopping: ${reason}`;
  });
  setHandler(operatorMessageSignal, (message) =>
    set({ pendingMessages: [...state.pendingMessages, message] }),
  );
  setHandler(setBudgetSignal, (budget) => set({ budget }));
  setHandler(campaignBudgetSignal, (campaignBudget) => set({ campaignBudget }));
  setHandler(slotReplySignal, (reply) => {
    slotReplies.set(reply.seq, reply);
  });
  setHandler(researcherStatusQuery, () => ({
    agentId,
    state: state.paused && phase !== 'done' ? 'paused' : phase,
    detail: state.paused && state.pauseReason ? state.pauseReason : detail,
    currentHypothesis: hypothesis,
    currentExperimentId,
    experimentsDone: state.experimentsDone,
    gpuSeconds: state.gpuSeconds,
    best: state.best ?? null,
  }));
  setHandler(currentHypothesisQuery, () => hypothesis);
  setHandler(historySummaryQuery, () => state.history);

  const campaign = getExternalWorkflowHandle(input.campaignWorkflowId);
  let runsThisHistory = 0;
  const limits = () => ({
    ...((state.budget ?? input.budget) ? { agent: state.budget ?? input.budget } : {}),
    ...(state.campaignBudget ? { campaign: state.campaignBudget } : {}),
  });

  /** Waits while paused (by an operator, or by the policy's own budget) unless stopped. */
  async function waitWhilePaused(): Promise<void> {
    await enter('paused', state.pauseReason ?? 'paused by an operator');
    await condition(() => !state.paused || state.stopRequested);
    set({ pauseReason: null });
  }

  /**
   * Runs a policy step; when the policy pauses the agent (its token or dollar budget is spent),
   * waits for an operator to resume it (after raising the budget) and runs the step again; when
   * the step could not reach a service it needs, waits for it (see {@link waitOutOutage}).
   * Resolves to null when the agent is stopped while paused.
   */
  async function pausable<T>(step: () => Promise<T>): Promise<T | null> {
    for (let outages = 0; ; ) {
      try {
        return await step();
      } catch (error) {
        const cause = error instanceof ActivityFailure ? error.cause : undefined;
        if (
          cause instanceof ApplicationFailure &&
          cause.type === DEPENDENCY_UNAVAILABLE &&
          patched('researcher-outage-wait-v1')
        ) {
          await waitOutOutage(cause, outages);
          outages += 1;
          continue;
        }
        if (!(cause instanceof ApplicationFailure) || cause.type !== 'AgentPaused') throw error;
        set({ paused: true, pauseReason: cause.message });
        await waitWhilePaused();
        if (state.stopRequested) return null;
      }
    }
  }
  /**
   * An outage is not the agent's failure: its state says what it waits for (the live status at
   * once; the record as soon as the database takes the write, which waits for it too), and the
   * step runs again after a pause that doubles with each outage in a row.
   */
  async function waitOutOutage(cause: ApplicationFailure, outagesInARow: number): Promise<void> {
    const [before, why] = [phase, detail];
    const dependency = cause.details?.[0];
    const what =
      typeof dependency === 'string' && dependency in DEPENDENCIES
        ? DEPENDENCIES[dependency as Dependency]
        : 'a service';
    await enter('waiting', `waiting for ${what}: ${cause.cause?.message ?? cause.message}`.slice(0, 500));
    await sleep(Math.min(OUTAGE_WAIT_MS * 2 ** outagesInARow, OUTAGE_WAIT_MAX_MS));
    await enter(before, why);
  }
  const enter = async (next: AgentState, why = '') => {
    phase = next;
    detail = why;
    await bookkeeping.setAgentStatus({ campaignId: input.campaignId, agentId, status: next, detail: why });
  };

  try {
    for (;;) {
      if (state.paused) await waitWhilePaused();
      if (state.stopRequested) return await finish('stopped by an operator', 'stopped');
      const own = mayStartExperiment(state.budget ?? input.budget, {
        experiments: state.experimentsDone,
        gpuSeconds: state.gpuSeconds,
        elapsedMs: Date.now() - state.startedAtMs,
      });
      if (!own.ok) return await finish(`agent ${own.reason}`, 'done');

      // Ask the campaign for a slot: it holds the campaign budget and pauses the whole campaign.
      await enter('waiting', 'waiting for the campaign to grant an experiment slot');
      const seq = state.seq;
      await campaign.signal(slotRequestSignal, { agentId, workflowId: workflowInfo().workflowId, seq });
      await condition(() => slotReplies.has(seq) || state.stopRequested);
      const reply = slotReplies.get(seq);
      slotReplies.delete(seq);
      if (reply === undefined) return await finish('stopped by an operator', 'stopped');
      if (!reply.granted) return await finish(`campaign ${reply.reason}`, 'done');

      const experimentId = experimentIdOf(input.campaignId, agentId, seq);
      currentExperimentId = experimentId;
      await enter('proposing', `proposing experiment ${seq}`);
      const messages = state.pendingMessages;
      const proposal = await pausable(() =>
        agent.proposeExperiment({
          campaignId: input.campaignId,
          agentId,
          experimentId,
          seq,
          policy: input.agent.policy,
          direction: input.agent.direction,
          seed: input.agent.seed ?? 0,
          taskId: input.taskId,
          seedsPerExperiment: input.seedsPerExperiment,
          operatorMessages: messages,
          history: state.history,
          limits: limits(),
          settings: input.agent.settings ?? {},
        }),
      );
      if (proposal === null) return await finish('stopped by an operator', 'stopped');
      set({ pendingMessages: state.pendingMessages.slice(messages.length), seq: seq + 1 });
      hypothesis = proposal.hypothesis;

      await enter('running', `running ${experimentId}`);
      const outcome: ExperimentOutcome = proposal.invalidReason
        ? { experimentId, status: 'invalid', reason: proposal.invalidReason, gpuSeconds: 0, runs: [] }
        : await runExperiment(experimentId, proposal);

      await enter('analysing', `analysing ${experimentId}`);
      await pausable(() =>
        agent.analyseExperiment({
          campaignId: input.campaignId,
          agentId,
          experimentId,
          policy: input.agent.policy,
          outcome,
          bestBefore: state.best ?? null,
          limits: limits(),
          settings: input.agent.settings ?? {},
        }),
      );

      if (patched('integrity-checks-v1')) {
        await bookkeeping.checkIntegrity({ campaignId: input.campaignId, agentId, experimentId });
      }

      const entry: HistoryEntry = {
        experimentId,
        hypothesis: proposal.hypothesis.slice(0, 300),
        status: outcome.status,
        ...(outcome.score ? { reportedPgr: outcome.score.reportedPgr } : {}),
      };
      const better =
        outcome.score !== undefined &&
        (state.best === undefined || outcome.score.reportedPgr > state.best.pgr);
      set({
        experimentsDone: state.experimentsDone + 1,
        gpuSeconds: state.gpuSeconds + outcome.gpuSeconds,
        history: [...state.history, entry].slice(-HISTORY_KEPT),
        ...(better && outcome.score ? { best: { pgr: outcome.score.reportedPgr, experimentId } } : {}),
      });
      currentExperimentId = null;
      hypothesis = null;
      await campaign.signal(experimentFinishedSignal, {
        agentId,
        experimentId,
        gpuSeconds: outcome.gpuSeconds,
        state,
      });

      runsThisHistory += 1;
      if (
        workflowInfo().continueAsNewSuggested ||
        runsThisHistory >= (input.continueAsNewAfter ?? Number.POSITIVE_INFINITY)
      ) {
        await continueAsNew<typeof researcherWorkflow>({ ...input, state });
      }
    }
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(() =>
        bookkeeping.setAgentStatus({
          campaignId: input.campaignId,
          agentId,
          status: 'stopped',
          detail: 'cancelled',
        }),
      );
    }
    throw error;
  }

  /** Runs the experiment as a child workflow; a child that fails outright counts as a failed experiment. */
  async function runExperiment(
    experimentId: string,
    proposal: { spec: ExperimentSpec; seeds: number[]; noEval: boolean },
  ): Promise<ExperimentOutcome> {
    const workflowId = experimentWorkflowId(experimentId);
    for (let replacedChecked = false; ; replacedChecked = true) {
      try {
        return await executeChild(experimentWorkflow, {
          workflowId,
          cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
          // A completed experiment is never run again (a restarted researcher adopts it, below);
          // one that failed, was terminated or timed out may be.
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
          args: [
            {
              experimentId,
              campaignId: input.campaignId,
              agentId,
              taskId: input.taskId,
              spec: proposal.spec,
              seeds: proposal.seeds,
              noEval: proposal.noEval,
              executor: input.executor,
              maxRunAttempts: input.maxRunAttempts,
              ...(input.maxRunWallSeconds ? { maxRunWallSeconds: input.maxRunWallSeconds } : {}),
            },
          ],
        });
      } catch (error) {
        // A researcher restarted from its last reported state asks for an experiment that its
        // predecessor finished (it failed after the experiment, before reporting): adopt the outcome.
        if (
          error instanceof WorkflowExecutionAlreadyStartedError &&
          !replacedChecked &&
          patched('researcher-adopt-finished-experiment-v1')
        ) {
          const finished = await bookkeeping.workflowResultIfCompleted({ workflowId });
          if (finished.completed) return finished.result as ExperimentOutcome;
        }
        // After a Temporal reset of this researcher, the run it replaced may still have this
        // experiment running (reset does not wait for that run's children to close): end that
        // one, since everything after the reset point is redone, and start ours.
        if (
          error instanceof WorkflowExecutionAlreadyStartedError &&
          !replacedChecked &&
          patched('reset-replaced-experiment-v1') &&
          (await bookkeeping.terminateReplacedChild({
            workflowId,
            parentWorkflowId: workflowInfo().workflowId,
            parentRunId: workflowInfo().runId,
          }))
        )
          continue;
        if (isCancellation(error) || !(error instanceof ChildWorkflowFailure)) throw error;
        return await bookkeeping.finishExperiment({
          experimentId,
          status: 'failed',
          reason: `experiment workflow failed: ${error.cause?.message ?? error.message}`.slice(0, 2000),
          gpuSeconds: 0,
          runs: [],
        });
      }
    }
  }

  async function finish(endReason: string, final: AgentState): Promise<ResearcherSummary> {
    await enter(final, endReason);
    return {
      agentId,
      experimentsDone: state.experimentsDone,
      gpuSeconds: state.gpuSeconds,
      ...(state.best ? { best: state.best } : {}),
      endReason,
    };
  }
}
