import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import {
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/types.js';
import { budgetFractionUsed, mayStartExperiment } from '../core/budget.js';
import {
  type CampaignAgentState,
  type CampaignInput,
  type CampaignState,
  type CampaignSummary,
  campaignBudgetSignal,
  campaignStatusQuery,
  experimentFinishedSignal,
  pauseSignal,
  promotionWorkflowId,
  type ResearcherInput,
  type ResearcherSummary,
  researcherWorkflowId,
  resumeSignal,
  setBudgetSignal,
  slotReplySignal,
  slotRequestSignal,
  stopSignal,
} from './definitions.js';
import { promotionWorkflow } from './promotion.js';
import { researcherWorkflow } from './researcher.js';

const store = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});
const watcher = proxyActivities<Activities>({
  // Waits on a researcher for up to an hour, heartbeating; the loop below calls it again.
  startToCloseTimeout: '70 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', backoffCoefficient: 2 },
});

/**
 * Researcher restarts allowed per agent within {@link RESTART_WINDOW_MS} before the campaign gives
 * up on it: a few outages spread over a week never stop an agent; a researcher that keeps failing
 * does. (Runs from before `researcher-restart-window-v1` count restarts over the whole campaign.)
 */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 24 * 3_600_000;
/** The first pause before a failed watcher runs again; it doubles up to ten minutes. */
const WATCH_RETRY_MS = 10_000;

/** The campaign's wall-clock limit per run, as the optional input field its children take. */
function runWallLimit(spec: CampaignInput['spec']): { maxRunWallSeconds?: number } {
  return spec.maxRunWallSeconds === undefined ? {} : { maxRunWallSeconds: spec.maxRunWallSeconds };
}

/**
 * A campaign: one researcher per agent, the campaign budgets (experiments, GPU-hours, deadline)
 * enforced by granting each experiment a slot, pause/resume/stop fanned out to the researchers,
 * a failed researcher restarted from the last state it reported, and a summary at the end.
 * Researchers are abandoned children and watched through an activity, so the campaign can
 * continue as new without losing them.
 */
export async function campaignWorkflow(input: CampaignInput): Promise<CampaignSummary> {
  const { campaignId, spec } = input;
  const fresh = input.state === undefined;
  let state: CampaignState = input.state ?? {
    startedAtMs: Date.now(),
    granted: 0,
    gpuSeconds: 0,
    paused: false,
    stopping: null,
    ...(spec.budgets.campaign ? { budget: spec.budgets.campaign } : {}),
    agents: Object.fromEntries(
      spec.agents.map((a) => [
        a.id,
        { workflowId: researcherWorkflowId(campaignId, a.id), restarts: 0, closed: false },
      ]),
    ),
  };
  const set = (patch: Partial<CampaignState>) => {
    state = { ...state, ...patch };
  };
  const setAgent = (agentId: string, patch: Partial<CampaignAgentState>) => {
    const current = state.agents[agentId];
    if (current) set({ agents: { ...state.agents, [agentId]: { ...current, ...patch } } });
  };
  const pendingSlots: { agentId: string; workflowId: string; seq: number }[] = [];
  const usage = () => ({
    experiments: state.granted,
    gpuSeconds: state.gpuSeconds,
    elapsedMs: Date.now() - state.startedAtMs,
  });
  const researchers = () => Object.values(state.agents).filter((a) => !a.closed);
  const fanOut = async (send: (workflowId: string) => Promise<void>) => {
    await Promise.all(researchers().map((a) => send(a.workflowId).catch(() => undefined)));
  };

  setHandler(slotRequestSignal, (request) => {
    pendingSlots.push(request);
  });
  let progressReported = 0;
  let finishedExperiments = 0;
  const toScreen: string[] = [];
  setHandler(experimentFinishedSignal, ({ agentId, experimentId, gpuSeconds, state: researcherState }) => {
    set({ gpuSeconds: state.gpuSeconds + gpuSeconds });
    setAgent(agentId, { lastState: researcherState });
    finishedExperiments += 1;
    toScreen.push(experimentId);
  });

  // Starts the promotion gate for an experiment that beat the campaign best by the margin.
  const screenForPromotion = async (experimentId: string) => {
    const promotion = spec.promotion;
    if (!promotion?.auto || !patched('auto-promotion-v1')) return;
    if (!(await store.isPromotionCandidate({ campaignId, experimentId, margin: promotion.margin }))) return;
    await startChild(promotionWorkflow, {
      workflowId: promotionWorkflowId(experimentId),
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          campaignId,
          experimentId,
          trigger: 'auto',
          requestedBy: 'campaign',
          executor: spec.executor,
          maxRunAttempts: spec.maxRunAttempts,
          ...runWallLimit(spec),
          ...runWallLimit(spec),
          freshSeeds: promotion.freshSeeds,
          alpha: promotion.alpha,
          ...(spec.heldOutTask ? { heldOutTask: spec.heldOutTask } : {}),
        },
      ],
    }).catch((error: unknown) => {
      // Already promoted (an operator was quicker): nothing to do.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    });
  };
  setHandler(pauseSignal, () => {
    set({ paused: true });
  });
  setHandler(resumeSignal, () => {
    set({ paused: false });
  });
  setHandler(stopSignal, ({ reason }) => {
    if (state.stopping === null) set({ stopping: reason });
  });
  let budgetAnnounced = true;
  setHandler(setBudgetSignal, (budget) => {
    set({ budget });
    budgetAnnounced = false;
  });
  setHandler(campaignStatusQuery, () => ({
    campaignId,
    paused: state.paused,
    stopping: state.stopping,
    granted: state.granted,
    gpuSeconds: state.gpuSeconds,
    budget: state.budget ?? null,
    budgetFractionUsed: budgetFractionUsed(state.budget, usage()),
    agents: Object.entries(state.agents).map(([agentId, a]) => ({
      agentId,
      workflowId: a.workflowId,
      restarts: a.restarts,
      closed: a.closed,
    })),
  }));

  // The deadline timer: armed for the deadline the campaign holds, armed again whenever a budget
  // signal changes it (extended, shortened or removed), and checked again when it fires.
  const deadlinePassed = () =>
    state.budget?.deadlineHours !== undefined &&
    Date.now() - state.startedAtMs >= state.budget.deadlineHours * 3_600_000;
  let deadlineTimer: CancellationScope | undefined;
  const armDeadline = () => {
    deadlineTimer?.cancel();
    deadlineTimer = undefined;
    const hours = state.budget?.deadlineHours;
    if (hours === undefined || state.stopping !== null) return;
    const timer = new CancellationScope();
    deadlineTimer = timer;
    timer
      .run(() => sleep(Math.max(0, state.startedAtMs + hours * 3_600_000 - Date.now())))
      .then(
        () => {
          if (state.stopping === null && deadlinePassed()) set({ stopping: 'deadline reached' });
        },
        () => undefined, // re-armed, or cancelled with the campaign
      );
  };

  const researcherInput = (agentId: string, lastState: CampaignAgentState['lastState']): ResearcherInput => {
    const agent = spec.agents.find((a) => a.id === agentId);
    if (agent === undefined) throw new Error(`unknown agent ${agentId}`);
    return {
      campaignId,
      campaignWorkflowId: workflowInfo().workflowId,
      agent,
      taskId: spec.task,
      seedsPerExperiment: spec.seedsPerExperiment,
      executor: spec.executor,
      maxRunAttempts: spec.maxRunAttempts,
      ...runWallLimit(spec),
      ...(spec.budgets.perAgent ? { budget: spec.budgets.perAgent } : {}),
      ...(state.budget ? { campaignBudget: state.budget } : {}),
      ...(spec.advanced?.continueAsNewAfterExperiments
        ? { continueAsNewAfter: spec.advanced.continueAsNewAfterExperiments }
        : {}),
      ...(spec.advanced?.policyRetry ? { policyRetry: spec.advanced.policyRetry } : {}),
      ...(lastState
        ? { state: { ...lastState, paused: false, stopRequested: state.stopping !== null } }
        : {}),
    };
  };

  const startResearcher = async (agentId: string) => {
    const entry = state.agents[agentId];
    if (entry === undefined) return;
    await startChild(researcherWorkflow, {
      workflowId: entry.workflowId,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // An id that ran once never runs again: after a reset of this campaign, starting a researcher
      // that runs, or ran, adopts it instead (the watcher reports how it ends or ended).
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [researcherInput(agentId, entry.lastState)],
    }).catch((error: unknown) => {
      if (
        !(error instanceof WorkflowExecutionAlreadyStartedError) ||
        !patched('campaign-adopt-researcher-v1')
      )
        throw error;
    });
  };

  // Watches one researcher until it closes; restarts it from its last state when it failed.
  const watchUntilClosed = async (agentId: string): Promise<void> => {
    for (;;) {
      const entry = state.agents[agentId];
      if (entry === undefined || entry.closed) return;
      const closed = await watcher.awaitWorkflowClosed({
        workflowId: entry.workflowId,
        maxWaitSeconds: 3600,
      });
      if (closed.status === 'running') continue;
      if (closed.status === 'completed' && closed.result) {
        setAgent(agentId, { closed: true, summary: closed.result as ResearcherSummary });
        return;
      }
      const windowed = patched('researcher-restart-window-v1');
      const recent = windowed
        ? (entry.restartTimesMs ?? []).filter((at) => Date.now() - at < RESTART_WINDOW_MS)
        : [];
      const exhausted = windowed ? recent.length >= MAX_RESTARTS : entry.restarts >= MAX_RESTARTS;
      if (state.stopping !== null || exhausted) {
        await store.setAgentStatus({
          campaignId,
          agentId,
          status: 'stopped',
          detail: `researcher ${closed.status}${exhausted ? ` after ${MAX_RESTARTS} restarts${windowed ? ' in 24 h' : ''}` : ''}: ${closed.failure ?? ''}`,
        });
        setAgent(agentId, { closed: true });
        return;
      }
      const restarts = entry.restarts + 1;
      setAgent(agentId, {
        restarts,
        workflowId: researcherWorkflowId(campaignId, agentId, restarts),
        ...(windowed ? { restartTimesMs: [...recent, Date.now()] } : {}),
      });
      await store.recordCampaignEvent({
        campaignId,
        agentId,
        action: 'researcher_restarted',
        detail: {
          previous: entry.workflowId,
          status: closed.status,
          failure: closed.failure ?? null,
          restarts,
        },
      });
      await startResearcher(agentId);
    }
  };
  // A watcher that fails (an activity that gave up, a start refused) runs again after a pause; it
  // never fails the campaign, whose researchers run on either way.
  const watch = async (agentId: string): Promise<void> => {
    for (let failures = 0; ; failures += 1) {
      try {
        return await watchUntilClosed(agentId);
      } catch (error) {
        if (isCancellation(error) || !patched('campaign-watch-retry-v1')) throw error;
        log.warn('researcher watcher failed; watching again', { agentId, error: String(error) });
        await sleep(Math.min(WATCH_RETRY_MS * 2 ** failures, 600_000));
      }
    }
  };

  try {
    if (fresh) {
      await store.startCampaign({ campaignId, spec, workflowId: workflowInfo().workflowId });
      for (const agentId of Object.keys(state.agents)) await startResearcher(agentId);
    }
    const watchers = Promise.all(Object.keys(state.agents).map((agentId) => watch(agentId)));
    let allClosed = false;
    // Both outcomes end the loop; a rejection (cancellation) is handled by the catch below.
    const markClosed = () => {
      allClosed = true;
    };
    void watchers.then(markClosed, markClosed);

    // Runs that began before this patch armed one timer for the deadline they started with.
    const rearmDeadline = patched('campaign-deadline-rearm-v1');
    if (rearmDeadline) armDeadline();
    else {
      const deadlineMs =
        state.budget?.deadlineHours !== undefined ? state.budget.deadlineHours * 3_600_000 : undefined;
      if (deadlineMs !== undefined) {
        void sleep(Math.max(0, deadlineMs - (Date.now() - state.startedAtMs))).then(
          () => {
            if (state.stopping === null) set({ stopping: 'deadline reached' });
          },
          () => undefined, // cancelled with the campaign
        );
      }
    }

    let announcedStop = false;
    let announcedPause = state.paused;
    while (!allClosed) {
      await condition(
        () =>
          allClosed ||
          (pendingSlots.length > 0 && !state.paused) ||
          (state.stopping !== null && !announcedStop) ||
          state.paused !== announcedPause ||
          !budgetAnnounced ||
          finishedExperiments !== progressReported,
      );
      while (toScreen.length > 0) await screenForPromotion(toScreen.shift()!);
      if (finishedExperiments !== progressReported) {
        progressReported = finishedExperiments;
        await store.reportCampaignProgress({
          campaignId,
          budgetFractionUsed: budgetFractionUsed(state.budget, usage()),
        });
      }
      if (state.paused !== announcedPause) {
        announcedPause = state.paused;
        await fanOut((id) => getExternalWorkflowHandle(id).signal(state.paused ? pauseSignal : resumeSignal));
        await store.setCampaignStatus({ campaignId, status: state.paused ? 'paused' : 'running' });
      }
      if (!budgetAnnounced) {
        budgetAnnounced = true;
        if (rearmDeadline) armDeadline();
        const budget = state.budget ?? {};
        await fanOut((id) => getExternalWorkflowHandle(id).signal(campaignBudgetSignal, budget));
      }
      if (state.stopping !== null && !announcedStop) {
        announcedStop = true;
        const reason = state.stopping;
        await fanOut((id) => getExternalWorkflowHandle(id).signal(stopSignal, { reason }));
      }
      while (pendingSlots.length > 0 && !state.paused) {
        const request = pendingSlots.shift()!;
        const verdict =
          state.stopping !== null
            ? { ok: false as const, reason: state.stopping }
            : mayStartExperiment(state.budget, usage());
        if (verdict.ok) set({ granted: state.granted + 1 });
        await getExternalWorkflowHandle(request.workflowId)
          .signal(slotReplySignal, {
            seq: request.seq,
            granted: verdict.ok,
            reason: verdict.ok ? 'granted' : verdict.reason,
          })
          .catch(() => undefined);
        if (!verdict.ok && state.stopping === null) set({ stopping: verdict.reason });
      }
      if (workflowInfo().continueAsNewSuggested && pendingSlots.length === 0) {
        await continueAsNew<typeof campaignWorkflow>({ campaignId, spec, state });
      }
    }
    await watchers;
    return await store.finishCampaign({
      campaignId,
      status: 'completed',
      endReason: state.stopping ?? 'every researcher finished',
      experiments: state.granted,
      gpuSeconds: state.gpuSeconds,
      elapsedMs: Date.now() - state.startedAtMs,
      agents: Object.entries(state.agents).map(
        ([agentId, a]) =>
          a.summary ?? {
            agentId,
            experimentsDone: a.lastState?.experimentsDone ?? 0,
            gpuSeconds: a.lastState?.gpuSeconds ?? 0,
            ...(a.lastState?.best ? { best: a.lastState.best } : {}),
            endReason: 'researcher did not complete',
          },
      ),
    });
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(async () => {
        await fanOut((id) => getExternalWorkflowHandle(id).cancel());
        await store.setCampaignStatus({ campaignId, status: 'cancelled' });
      });
    }
    throw error;
  }
}
