import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from '../runtime/logger.js';
import { DEPENDENCIES, DEPENDENCY_UNAVAILABLE, type Dependency } from '../workflows/definitions.js';
import type { OrchestratorMetrics } from './metrics.js';

export interface OutageDeps {
  readonly logger: Logger;
  readonly metrics: OrchestratorMetrics;
}

/** Socket errors of a peer that is not there; pg reports them with the socket's code. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** SQLSTATEs of a server going away or not taking connections (class 08 is matched apart). */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const PG_CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

/** Whether `error` says PostgreSQL could not be reached, as opposed to refusing a statement. */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof ApplicationFailure) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code))) return true;
  if (typeof code === 'string' && /^08[0-9A-Z]{3}$/.test(code)) return true;
  return PG_CONNECTION_MESSAGES.test(error.message);
}

/** The retryable failure of an attempt that could not reach `dependency`; its details name it. */
export function dependencyUnavailable(dependency: Dependency, cause: unknown): ApplicationFailure {
  const message = cause instanceof Error ? cause.message : String(cause);
  return ApplicationFailure.create({
    type: DEPENDENCY_UNAVAILABLE,
    message: `${DEPENDENCIES[dependency]} is unreachable: ${message}`.slice(0, 500),
    details: [dependency],
    ...(cause instanceof Error ? { cause } : {}),
  });
}

/**
 * What an eval-server call's failure means to bookkeeping: a request the server found invalid
 * stays final (another try sends the same request), and so does its rate limit, which carries its
 * own retry delay; the server down, slow, failing or refusing our credentials is an outage to wait
 * out (it comes back; an operator fixes the token).
 */
export function evalOutage(error: unknown): unknown {
  if (
    error instanceof ApplicationFailure &&
    (error.type === 'Eval_invalid_request' || error.type === 'EvalRateLimited')
  )
    return error;
  return dependencyUnavailable('eval_server', error);
}

/** Counts and logs one attempt that found `dependency` unreachable. */
export function noteOutage(deps: OutageDeps, dependency: Dependency, activity: string, error: string): void {
  deps.metrics.dependencyUnavailable.inc({ dependency });
  let where: { workflowId?: string; attempt?: number } = {};
  try {
    const { info } = Context.current();
    where = {
      ...(info.workflowExecution ? { workflowId: info.workflowExecution.workflowId } : {}),
      attempt: info.attempt,
    };
  } catch {
    // Called outside an activity (a test calling the function itself).
  }
  deps.logger.warn({ dependency, activity, ...where, error }, 'waiting for a dependency');
}

// biome-ignore lint/suspicious/noExplicitAny: activity signatures vary; the wrapper keeps each one.
type ActivityFunction = (...args: any[]) => Promise<unknown>;

/**
 * Wraps each activity so that an attempt which could not reach the database (or that reports a
 * dependency as unreachable itself) fails as a retryable {@link DEPENDENCY_UNAVAILABLE} naming the
 * dependency, and is counted (`aar_dependency_unavailable_total`) and logged: operators see work
 * waiting for a service, not failing, and workflows can tell an outage from a fault.
 */
export function reportingOutages<T extends Record<string, ActivityFunction>>(
  activities: T,
  deps: OutageDeps,
): T {
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args) => {
      try {
        return await activity(...args);
      } catch (error) {
        const outage =
          error instanceof ApplicationFailure && error.type === DEPENDENCY_UNAVAILABLE
            ? error
            : isDatabaseUnreachable(error)
              ? dependencyUnavailable('database', error)
              : null;
        if (outage === null) throw error;
        const dependency = outage.details?.[0];
        noteOutage(
          deps,
          typeof dependency === 'string' && dependency in DEPENDENCIES
            ? (dependency as Dependency)
            : 'database',
          name,
          outage.message,
        );
        throw outage;
      }
    };
  }
  return wrapped as T;
}
