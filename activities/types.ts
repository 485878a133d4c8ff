import type { createDispatchActivities } from './dispatch-activities.js';
import type { createActivities } from './index.js';

/** The orchestrator activity interface workflows proxy; types only, so bundles carry no activity code. */
export type Activities = ReturnType<typeof createActivities>;
/** The dispatch queue's activity interface. */
export type DispatchActivities = ReturnType<typeof createDispatchActivities>;
