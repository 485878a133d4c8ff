/**
 * Benchmark of the k8s executor on the local control plane (scripts/k8s), two measures:
 *
 *   node --import tsx bench/k8s-scheduling.ts [--samples 30] [--gpus 4] [--agents 6] [--runs 4]
 *                                             [--min-seconds 2] [--max-seconds 6] [--seed 7]
 *
 * 1. Create → Running latency of a trainer Job (Job controller, scheduler, kwok), p50 and p99,
 *    against a bare Pod of the same template created in the same run (the baseline: no Job
 *    controller), and the ratio of the two.
 * 2. GPU-busy fraction of a simulated campaign: `agents` agents (more than `gpus` GPUs on a fake
 *    node of the benchmark's own), each running `runs` runs one after another through the real
 *    executor, each run holding its GPU for a seeded duration (kwok's aar.dev/simulate-after).
 *    Busy fraction = GPU-seconds held by running pods / (GPUs × makespan), against the ideal:
 *    the same agents and durations scheduled with zero overhead (an event simulation).
 * Needs `make k8s-up` (or scripts/k8s/up.sh); works in a namespace and node of its own.
 */
import { parseArgs } from 'node:util';
import { makeInformer, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { ANNOTATIONS, jobNameFor } from '../activities/executors/k8s/job-identity.js';
import { buildJobManifest } from '../activities/executors/k8s/job-manifest.js';
import { createK8sGateway } from '../activities/executors/k8s/k8s-gateway.js';
import { createRng } from '../core/random.js';
import { createFakeGpuNode, openCluster, testJobSettings } from '../tests/k8s/helpers/cluster.js';
import { createHarness, runRequest } from '../tests/k8s/helpers/executor-harness.js';

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '30' },
    gpus: { type: 'string', default: '4' },
    agents: { type: 'string', default: '6' },
    runs: { type: 'string', default: '4' },
    'min-seconds': { type: 'string', default: '2' },
    'max-seconds': { type: 'string', default: '6' },
    seed: { type: 'string', default: '7' },
  },
});
const samples = Number(values.samples);
const gpus = Number(values.gpus);
const agents = Number(values.agents);
const runsPerAgent = Number(values.runs);
const minSeconds = Number(values['min-seconds']);
const maxSeconds = Number(values['max-seconds']);

const cluster = await openCluster('bench');
const node = await createFakeGpuNode(cluster, gpus);
const settings = { nodeSelector: node.label };

// Pod phase transitions as this process sees them (ms clock), from one watch of the namespace.
const seen = new Map<string, { created: number; running?: number; done?: number }>();
const core = cluster.core;
const informer = makeInformer<V1Pod>(cluster.kubeConfig, `/api/v1/namespaces/${cluster.namespace}/pods`, () =>
  core.listNamespacedPod({ namespace: cluster.namespace }),
);
const waiters = new Map<string, () => void>();
const onPod = (pod: V1Pod) => {
  const key = pod.metadata?.labels?.['batch.kubernetes.io/job-name'] ?? pod.metadata?.name ?? '';
  const entry = seen.get(key);
  if (entry === undefined) return;
  const now = performance.now();
  if (pod.status?.phase === 'Running' && entry.running === undefined) {
    entry.running = now;
    waiters.get(key)?.();
  }
  if ((pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') && entry.done === undefined)
    entry.done = now;
};
informer.on('add', onPod);
informer.on('update', onPod);
await informer.start();

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

/** Waits until the namespace has no pod left, so each sample starts from the same state. */
async function settled(): Promise<void> {
  while ((await core.listNamespacedPod({ namespace: cluster.namespace })).items.length > 0)
    await new Promise((r) => setTimeout(r, 50));
}

/** Creates an object and returns ms until its pod was seen Running. */
async function latency(key: string, create: () => Promise<unknown>): Promise<number> {
  const entry = { created: performance.now() } as { created: number; running?: number };
  seen.set(key, entry);
  const running = new Promise<void>((resolve) => waiters.set(key, resolve));
  entry.created = performance.now();
  await create();
  await running;
  waiters.delete(key);
  return (entry.running ?? Number.NaN) - entry.created;
}

const jobSettings = testJobSettings(cluster.namespace, settings);
const gateway = createK8sGateway(cluster.kubeConfig, cluster.namespace);
const podSpec = buildJobManifest(runRequest('bench-template-s0-a1'), jobSettings).spec!.template.spec!;
const jobLatencies: number[] = [];
const podLatencies: number[] = [];
for (let i = 0; i < samples; i++) {
  const job: V1Job = buildJobManifest(runRequest(`bench-lat-${i}-s0-a1`), jobSettings);
  const jobName = job.metadata!.name!;
  jobLatencies.push(await latency(jobName, () => gateway.createJob(job)));
  await gateway.deleteJob(jobName, 'Background');
  await settled();
  const podName = `bench-pod-${i}`;
  podLatencies.push(
    await latency(podName, () =>
      core.createNamespacedPod({
        namespace: cluster.namespace,
        body: { metadata: { name: podName }, spec: podSpec },
      }),
    ),
  );
  await core.deleteNamespacedPod({ name: podName, namespace: cluster.namespace, gracePeriodSeconds: 0 });
  await settled();
}

// The simulated campaign: every agent runs its runs one after another through the executor; kwok
// ends each pod after its run's duration (the aar.dev/simulate annotations on the pod template).
const rng = createRng(Number(values.seed));
const durations = Array.from({ length: agents }, () =>
  Array.from(
    { length: runsPerAgent },
    () => Math.round((minSeconds + rng() * (maxSeconds - minSeconds)) * 10) / 10,
  ),
);
const seconds = new Map<string, number>();
const simulating = {
  ...gateway,
  createJob(job: V1Job) {
    const runId = job.metadata?.annotations?.[ANNOTATIONS.runId] ?? '';
    const template = job.spec!.template.metadata!;
    template.annotations = {
      ...template.annotations,
      'aar.dev/simulate': 'succeed',
      'aar.dev/simulate-after': `${seconds.get(runId)}s`,
    };
    return gateway.createJob(job);
  },
};
const campaign = createHarness(cluster, settings, { gateway: simulating, pollMs: 1000 });
const campaignStart = performance.now();
await Promise.all(
  durations.map(async (chain, agent) => {
    for (const [i, duration] of chain.entries()) {
      const runId = `bench-camp-a${agent}-${i}-s0-a1`;
      seconds.set(runId, duration);
      seen.set(jobNameFor(runId), { created: performance.now() });
      const exit = await campaign.start(runRequest(runId)).result;
      if (exit.exitCode !== 0) throw new Error(`run ${runId} ended ${JSON.stringify(exit)}`);
    }
  }),
);
const makespan = (performance.now() - campaignStart) / 1000;

let busy = 0;
for (const [agent, chain] of durations.entries())
  for (const i of chain.keys()) {
    const entry = seen.get(jobNameFor(`bench-camp-a${agent}-${i}-s0-a1`));
    if (entry?.running !== undefined && entry.done !== undefined) busy += (entry.done - entry.running) / 1000;
  }
const measuredFraction = busy / (gpus * makespan);
const idealMakespan = idealSchedule(durations, gpus);
const work = durations.flat().reduce((a, b) => a + b, 0);
const idealFraction = work / (gpus * idealMakespan);

await informer.stop();
await campaign.executor.close();
await node.remove();
await cluster.close();

const f = (x: number) => x.toFixed(0);
console.log(`k8s executor on the local control plane (kube-apiserver + kwok), ${gpus} fake GPUs`);
console.log('');
console.log(`create -> Running latency over ${samples} samples (ms)`);
console.log(
  `  trainer Job:            p50 ${f(percentile(jobLatencies, 50))}  p99 ${f(percentile(jobLatencies, 99))}`,
);
console.log(
  `  bare Pod (baseline):    p50 ${f(percentile(podLatencies, 50))}  p99 ${f(percentile(podLatencies, 99))}`,
);
console.log(
  `  ratio Job/Pod:          p50 ${(percentile(jobLatencies, 50) / percentile(podLatencies, 50)).toFixed(2)}  p99 ${(percentile(jobLatencies, 99) / percentile(podLatencies, 99)).toFixed(2)}`,
);
console.log('');
console.log(
  `simulated campaign: ${agents} agents x ${runsPerAgent} runs (${minSeconds}-${maxSeconds} s each, ${work.toFixed(1)} GPU-s of work) on ${gpus} GPUs`,
);
console.log(
  `  makespan:               measured ${makespan.toFixed(1)} s, ideal ${idealMakespan.toFixed(1)} s, ratio ${(idealMakespan / makespan).toFixed(2)}`,
);
console.log(
  `  GPU-busy fraction:      measured ${measuredFraction.toFixed(3)}, ideal ${idealFraction.toFixed(3)}, ratio ${(measuredFraction / idealFraction).toFixed(2)}`,
);

/**
 * The zero-overhead schedule of the same campaign: each agent submits its next run the moment
 * its previous one ends, and a free GPU takes the earliest waiting run. Returns its makespan.
 */
function idealSchedule(chains: number[][], gpuCount: number): number {
  const free: number[] = Array.from({ length: gpuCount }, () => 0);
  const ready = chains.map(() => 0);
  const next = chains.map(() => 0);
  let end = 0;
  for (;;) {
    let agent = -1;
    for (let a = 0; a < chains.length; a++)
      if (next[a]! < chains[a]!.length && (agent < 0 || ready[a]! < ready[agent]!)) agent = a;
    if (agent < 0) return end;
    const gpu = free.indexOf(Math.min(...free));
    const start = Math.max(free[gpu]!, ready[agent]!);
    const finish = start + chains[agent]![next[agent]!]!;
    free[gpu] = finish;
    ready[agent] = finish;
    next[agent]! += 1;
    end = Math.max(end, finish);
  }
}
