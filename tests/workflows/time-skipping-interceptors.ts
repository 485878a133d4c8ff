/**
 * Workflow interceptors bundled with the real workflows for the time-skipping tests; they adapt
 * two things the Java test server does differently from a real one, and change no workflow code.
 *
 * - The campaign's researcher watcher (`awaitWorkflowClosed`, the real activity) waits through the
 *   test environment's client, which lets the clock jump while it waits. Its heartbeat timeout
 *   (1 minute) and start-to-close timeout (70 minutes) would then fire at the first jump of days,
 *   so the watcher is scheduled without them.
 * - The test server never suggests continue-as-new. A campaign started with the memo
 *   {@link SUGGEST_CONTINUE_AS_NEW_AT} is told to, as a real server does once a history grows
 *   past its limit, when its history reaches that many events.
 */
import { type WorkflowInterceptorsFactory, workflowInfo } from '@temporalio/workflow';
import { getActivator } from '@temporalio/workflow/lib/global-attributes.js';

/** Memo key: the history length at which a workflow is told that continuing as new is suggested. */
export const SUGGEST_CONTINUE_AS_NEW_AT = 'aarTestSuggestContinueAsNewAt';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      scheduleActivity(input, next) {
        if (input.activityType !== 'awaitWorkflowClosed') return next(input);
        const { heartbeatTimeout: _dropped, ...options } = input.options;
        return next({ ...input, options: { ...options, startToCloseTimeout: '400 days' } });
      },
    },
  ],
  internals: [
    {
      activate(input, next) {
        const at = workflowInfo().memo?.[SUGGEST_CONTINUE_AS_NEW_AT];
        if (typeof at === 'number') {
          // The SDK sets the info from the activation before interceptors run; this adds to it.
          getActivator().mutateWorkflowInfo((info) => ({
            ...info,
            continueAsNewSuggested: info.continueAsNewSuggested || info.historyLength >= at,
          }));
        }
        return next(input);
      },
    },
  ],
});
