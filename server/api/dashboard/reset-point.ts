/**
 * Where Temporal's reset should take a workflow back to: the last good point before the first
 * failure in its history. Pure: reads decoded history events, never calls Temporal.
 */

/** A decoded history event: its id and whichever `...EventAttributes` field its type has. */
export type HistoryEvent = { readonly eventId?: unknown } & { readonly [attributes: string]: unknown };

export interface ResetPoint {
  /** The WorkflowTaskCompleted event to reset to (`workflowTaskFinishEventId`). */
  readonly eventId: number;
  /** The failure the reset undoes. */
  readonly failure: { readonly eventId: number; readonly kind: string; readonly message: string };
}

/**
 * Workflow task failures that are routine, not faults: a signal raced the task (unhandled command),
 * a sticky queue was reset, a reset itself, a forced close.
 */
const ROUTINE_TASK_FAILURE_CAUSES = new Set([
  1, // UNHANDLED_COMMAND
  13, // RESET_STICKY_TASK_QUEUE
  17, // FORCE_CLOSE_COMMAND
  18, // FAILOVER_CLOSE_COMMAND
  20, // RESET_WORKFLOW
  31, // UNHANDLED_UPDATE
  39, // WORKFLOW_PAUSE_REQUESTED_BEFORE_TASK_STARTED
]);
const ROUTINE_CAUSE_NAMES =
  /UNHANDLED_COMMAND|RESET_STICKY|FORCE_CLOSE|FAILOVER_CLOSE|RESET_WORKFLOW|UNHANDLED_UPDATE|PAUSE_REQUESTED/;

/** Failure events, and which field names the event that started the failed operation. */
const FAILURES: readonly { attributes: string; kind: string; initiatedBy?: string }[] = [
  { attributes: 'workflowTaskFailedEventAttributes', kind: 'workflow task failed' },
  {
    attributes: 'activityTaskFailedEventAttributes',
    kind: 'activity failed',
    initiatedBy: 'scheduledEventId',
  },
  {
    attributes: 'activityTaskTimedOutEventAttributes',
    kind: 'activity timed out',
    initiatedBy: 'scheduledEventId',
  },
  {
    attributes: 'childWorkflowExecutionFailedEventAttributes',
    kind: 'child workflow failed',
    initiatedBy: 'initiatedEventId',
  },
  {
    attributes: 'childWorkflowExecutionTimedOutEventAttributes',
    kind: 'child workflow timed out',
    initiatedBy: 'initiatedEventId',
  },
  {
    attributes: 'childWorkflowExecutionTerminatedEventAttributes',
    kind: 'child workflow terminated',
    initiatedBy: 'initiatedEventId',
  },
  {
    attributes: 'startChildWorkflowExecutionFailedEventAttributes',
    kind: 'child workflow could not start',
    initiatedBy: 'initiatedEventId',
  },
  { attributes: 'workflowExecutionFailedEventAttributes', kind: 'workflow failed' },
  { attributes: 'workflowExecutionTimedOutEventAttributes', kind: 'workflow timed out' },
];

/** History ids are int64 (protobuf Long objects, or numbers). */
export const idOf = (value: unknown): number => (typeof value === 'number' ? value : Number(String(value)));

const attributesOf = (event: HistoryEvent, name: string): Record<string, unknown> | null => {
  const value = event[name];
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
};

function isRoutine(attributes: Record<string, unknown>): boolean {
  const cause = attributes.cause;
  if (typeof cause === 'number') return ROUTINE_TASK_FAILURE_CAUSES.has(cause);
  return typeof cause === 'string' && ROUTINE_CAUSE_NAMES.test(cause);
}

function messageOf(attributes: Record<string, unknown>): string {
  const failure = attributes.failure as { message?: unknown } | undefined;
  if (typeof failure?.message === 'string' && failure.message !== '') return failure.message.slice(0, 500);
  const execution = attributes.workflowExecution as { workflowId?: unknown } | undefined;
  return typeof execution?.workflowId === 'string' ? execution.workflowId : '';
}

/** The first failure in `events`, or null when the history has none. */
export function firstFailure(
  events: readonly HistoryEvent[],
): { event: HistoryEvent; kind: string; attributes: Record<string, unknown>; initiatedBy?: string } | null {
  for (const event of events) {
    for (const failure of FAILURES) {
      const attributes = attributesOf(event, failure.attributes);
      if (attributes === null) continue;
      if (failure.attributes === 'workflowTaskFailedEventAttributes' && isRoutine(attributes)) continue;
      return {
        event,
        kind: failure.kind,
        attributes,
        ...(failure.initiatedBy ? { initiatedBy: failure.initiatedBy } : {}),
      };
    }
  }
  return null;
}

/**
 * The last good point before the first failure: for a failed activity or child workflow, the
 * workflow task that scheduled it (resetting there runs the operation afresh); otherwise the last
 * WorkflowTaskCompleted before the failure. Null when there is no failure, or no completed task
 * before it.
 */
export function findResetPoint(events: readonly HistoryEvent[]): ResetPoint | null {
  const failure = firstFailure(events);
  if (failure === null) return null;
  const failureId = idOf(failure.event.eventId);
  const byId = new Map(events.map((e) => [idOf(e.eventId), e]));
  const describe = { eventId: failureId, kind: failure.kind, message: messageOf(failure.attributes) };

  if (failure.initiatedBy !== undefined) {
    const initiating = byId.get(idOf(failure.attributes[failure.initiatedBy]));
    const scheduledBy =
      initiating &&
      (attributesOf(initiating, 'activityTaskScheduledEventAttributes') ??
        attributesOf(initiating, 'startChildWorkflowExecutionInitiatedEventAttributes'));
    const taskId = scheduledBy ? idOf(scheduledBy.workflowTaskCompletedEventId) : Number.NaN;
    if (Number.isFinite(taskId) && taskId > 0 && byId.has(taskId))
      return { eventId: taskId, failure: describe };
  }
  let last: number | null = null;
  for (const event of events) {
    const id = idOf(event.eventId);
    if (id >= failureId) break;
    if (attributesOf(event, 'workflowTaskCompletedEventAttributes') !== null) last = id;
  }
  return last === null ? null : { eventId: last, failure: describe };
}

/** Whether `eventId` names a WorkflowTaskCompleted event of the history (an operator's explicit choice). */
export function isCompletedTask(events: readonly HistoryEvent[], eventId: number): boolean {
  return events.some(
    (e) => idOf(e.eventId) === eventId && attributesOf(e, 'workflowTaskCompletedEventAttributes') !== null,
  );
}
