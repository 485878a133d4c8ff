import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { campaignRecord, campaignResult, smallCampaign, startCampaign } from '../helpers/campaigns.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker-process.js';
import { type Cluster, eventually, jobPods, kubeconfigPath, openCluster } from './helpers/cluster.js';
import { listJobs } from './helpers/executor-harness.js';
import { PodPlayer } from './helpers/pod-player.js';

let stack: Stack;
let cluster: Cluster;
let player: PodPlayer | undefined;
const live: WorkerProcess[] = [];

before(async () => {
  cluster = await openCluster('camp');
  stack = await startStack();
});

after(async () => {
  await player?.stop();
  for (const worker of live) await worker.kill9();
  await stack?.close();
  await cluster?.close();
});

async function start(kind: 'orchestrator' | 'dispatch'): Promise<WorkerProcess> {
  const env =
    kind === 'orchestrator'
      ? stack.workerEnv()
      : {
          ...stack.workerEnv(),
          AAR_K8S_KUBECONFIG: kubeconfigPath(),
          AAR_K8S_NAMESPACE: cluster.namespace,
          AAR_K8S_IMAGE: 'aar-student:test',
          AAR_K8S_LAUNCHER_IMAGE: 'aar-launcher:test',
          AAR_K8S_NODE_SELECTOR: 'aar.dev/fake-node=true',
          AAR_K8S_CPU: '1',
          AAR_K8S_MEMORY: '1Gi',
          AAR_K8S_ACTIVE_DEADLINE_SECONDS: '900',
          AAR_K8S_TTL_SECONDS: '3600',
        };
  const worker = spawnWorker(kind, env);
  live.push(worker);
  await worker.ready();
  return worker;
}

test('a campaign runs end to end on the k8s executor through a dispatch worker killed mid-watch, one Job per run', {
  timeout: 300_000,
}, async (t) => {
  // The first attempt of one seed run is OOMKilled: the workflow retries it as a new run.
  let oomVictim: string | undefined;
  player = new PodPlayer(cluster, (runId) => {
    if (oomVictim === undefined && runId.endsWith('-s0-a1')) oomVictim = runId;
    return runId === oomVictim;
  });
  player.hold(true);
  player.start();
  await start('orchestrator');
  let dispatch = await start('dispatch');
  const campaignId = await startCampaign(stack, smallCampaign('k8s', 2, 1, { executor: 'k8s' }));

  // Jobs are running and their worker watches them (every launch made is reported): kill it (no
  // shutdown, no cancel) and start another.
  await eventually('two trainer pods run and every Job is watched', async () => {
    const jobs = await listJobs(cluster);
    const runIds = jobs.map((j) => j.metadata?.annotations?.['aar.dev/run-id']);
    const { rows } = await stack.record.pool.query(
      'SELECT count(*)::int AS n FROM experiment_runs WHERE id = ANY($1) AND launches = 1',
      [runIds],
    );
    const pods = (await Promise.all(jobs.map((j) => jobPods(cluster, j.metadata!.name!)))).flat();
    return pods.filter((p) => p.status?.phase === 'Running').length >= 2 && rows[0].n === jobs.length;
  });
  await dispatch.kill9();
  live.splice(live.indexOf(dispatch), 1);
  const jobsAtKill = (await listJobs(cluster)).length;
  dispatch = await start('dispatch');
  player.hold(false);

  const summary = await campaignResult(stack, campaignId, 300_000);
  assert.equal(summary.status, 'completed');
  const record = await campaignRecord(stack, campaignId);
  assert.deepEqual(
    record.experiments.map((e) => e.status),
    ['scored', 'scored'],
    JSON.stringify(
      (
        await stack.record.pool.query(
          'SELECT id, status, failure_reason FROM experiments WHERE campaign_id = $1',
          [campaignId],
        )
      ).rows,
    ),
  );
  assert.equal(record.runs.length, 5, 'one run per (experiment, seed), plus the retry of the OOMKilled one');
  assert.equal(record.results.length, 4);

  // No second Job: exactly one Job per recorded run, each launched once.
  const jobs = await listJobs(cluster);
  const jobRuns = jobs.map((j) => j.metadata?.annotations?.['aar.dev/run-id']).sort();
  assert.deepEqual(jobRuns, record.runs.map((r) => r.id).sort());
  assert.ok(
    record.runs.every((r) => r.launches === 1),
    `each run launched once: ${JSON.stringify(record.runs)}`,
  );

  const failed = record.runs.filter((r) => r.status === 'failed');
  assert.deepEqual(
    failed.map((r) => r.id),
    [oomVictim],
  );
  const { rows } = await stack.record.pool.query('SELECT failure FROM experiment_runs WHERE id = $1', [
    oomVictim,
  ]);
  const failure = rows[0].failure as { kind: string; message: string; detail?: string };
  assert.equal(failure.kind, 'out_of_memory');
  assert.match(failure.message, /OOMKilled/);
  assert.match(failure.detail ?? '', /allocating activations/);
  t.diagnostic(`jobs at the kill ${jobsAtKill}, jobs ${jobs.length}, pods played ${player.played.length}`);
});
