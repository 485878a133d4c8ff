/**
 * The load generator of `eval-submissions.ts`, in a worker thread so that autocannon's own work
 * does not share the event loop of the servers it measures. Posts one summary per run.
 */
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

/** What the main thread asks for. */
export interface LoadJob {
  readonly url: string;
  readonly path: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly headers: Record<string, string>;
  /** Body templates holding `__EXPERIMENT__` and `__KEY__`; requests rotate through them. */
  readonly templates: readonly string[];
  /** One sender per connection: its `x-aar-act-as` and its experiment. */
  readonly senders: readonly { actAs: string; experimentId: string }[];
}

/** What one measured run reports back. */
export interface LoadSummary {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly completed: number;
  readonly non2xx: number;
  readonly errors: number;
}

const job = workerData as LoadJob;
const pieces = job.templates.map((t) => {
  const [head, rest] = t.split('__EXPERIMENT__') as [string, string];
  const [middle, tail] = rest.split('__KEY__') as [string, string];
  return { head, middle, tail };
});
/** autocannon's exported aggregator, missing from its type declarations. */
interface Aggregating {
  aggregateResult(results: unknown[], options: object): autocannon.Result;
}
let connectionsSeen = 0;
let sent = 0;

/**
 * One autocannon run. Off the main thread autocannon hands back raw histograms (it assumes it is
 * one of its own workers), so the result is aggregated here.
 */
async function run(seconds: number, label: string): Promise<autocannon.Result> {
  const options = { url: job.url, connections: job.connections, duration: seconds };
  const raw = await autocannon({
    ...options,
    requests: [
      {
        method: 'POST',
        path: job.path,
        setupRequest: (request, context) => {
          const state = context as { sender?: { actAs: string; experimentId: string } };
          state.sender ??= job.senders[connectionsSeen++ % job.senders.length]!;
          const piece = pieces[sent % pieces.length]!;
          const body = `${piece.head}${state.sender.experimentId}${piece.middle}${label}-${sent++}${piece.tail}`;
          return {
            ...request,
            headers: {
              ...job.headers,
              'content-type': 'application/json',
              'x-aar-act-as': state.sender.actAs,
            },
            body,
          };
        },
      },
    ],
  });
  return (autocannon as unknown as Aggregating).aggregateResult([raw], options);
}

await run(job.warmupSeconds, `warm-${Date.now()}`);
const result = await run(job.durationSeconds, `run-${Date.now()}`);
const summary: LoadSummary = {
  // Completed requests over the run's wall time (per-second samples are not kept off the main thread).
  requestsPerSecond: result.requests.total / result.duration,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  completed: result.requests.total,
  non2xx: result.non2xx,
  errors: result.errors,
};
parentPort?.postMessage(summary);
