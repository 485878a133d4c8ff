import { ExperimentSpec } from '../experiment-spec.js';
import { ResultBundle } from '../result-bundle.js';

/** Schemas written to `core/schemas/<file>` for the Python trainer; keys are file names. */
export const EMITTED_SCHEMAS = {
  'experiment-spec.schema.json': ExperimentSpec,
  'result-bundle.schema.json': ResultBundle,
} as const;
