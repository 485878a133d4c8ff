import type { createActivities } from './index.js';

/** The activity interface workflows proxy; a type only, so workflow bundles carry no activity code. */
export type Activities = ReturnType<typeof createActivities>;
