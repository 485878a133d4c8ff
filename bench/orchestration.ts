/**
 * Orchestration overhead of AAR's campaign loop, against the Temporal floor measured in the same run.
 *
 *   node --import tsx bench/orchestration.ts [--agents 1,10,100] [--experiments 3]
 *
 * An instant executor (it stores a ready result bundle) and the baseline policy make each experiment
 * cost only orchestration: the researcher's steps, the experiment child workflow, the run records,
 * the eval server's scoring of a 1-seed submission, the forum post. The floor is a bare workflow
 * running the same number of no-op activities per iteration on the same server, worker and machine.
 * Prints seconds per iteration, the ratio to the floor, and experiments per second by agent count.
 */

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Context } from '@temporalio/activity';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { Executor, RunRequest } from '../activities/executors/executor.js';
import { campaignResult, smallCampaign, startCampaign } from '../tests/helpers/campaigns.js';
import { plantedExit, storePlantedResult } from '../tests/helpers/planted-result.js';
import { type Stack, startStack } from '../tests/helpers/stack.js';
import { uniqueQueue } from '../tests/helpers/temporal.js';

const { values } = parseArgs({
  options: { agents: { type: 'string', default: '1,10,100' }, experiments: { type: 'string', default: '3' } },
});
const agentCounts = values.agents.split(',').map(Number);
const perAgent = Number(values.experiments);

/** Activities one researcher iteration runs: 4 status updates, propose, analyse, and 6 in the experiment. */
const ACTIVITIES_PER_ITERATION = 12;

async function taskShape(stack: Stack): Promise<{ rows: number; classes: number }> {
  const response = await fetch(`${stack.evalUrl}/v1/tasks/mnist1d`, {
    headers: { authorization: `Bearer ${stack.adminToken}` },
  });
  const task = (await response.json()) as { testSize: number; numClasses: number };
  return { rows: task.testSize, classes: task.numClasses };
}

function instantExecutor(stack: Stack, shape: { rows: number; classes: number }): Executor {
  const row = Array.from({ length: shape.classes }, (_, c) => (c === 0 ? 1 : 0));
  const predictions = Array.from({ length: shape.rows }, () => row);
  return {
    async execute(request: RunRequest, _context: Context) {
      await storePlantedResult(stack.record.pool, request, predictions);
      return plantedExit;
    },
  };
}

async function floorSecondsPerIteration(stack: Stack, iterations: number): Promise<number> {
  const taskQueue = uniqueQueue('bench-floor');
  const worker = await Worker.create({
    connection: stack.temporal.workerConnection,
    namespace: stack.temporal.namespace,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./workflows/bare.ts', import.meta.url)),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    }),
    activities: { async noop() {} },
  });
  const started = performance.now();
  await worker.runUntil(
    stack.temporal.client.workflow.execute('bareIterationsWorkflow', {
      taskQueue,
      workflowId: `${taskQueue}-floor`,
      args: [iterations, ACTIVITIES_PER_ITERATION],
    }),
  );
  return (performance.now() - started) / 1000 / iterations;
}

const stack = await startStack({ evalSettings: { budgetPerHour: 100_000, budgetPerCampaign: 100_000 } });
const shape = await taskShape(stack);
const workers = await stack.startWorkers({ executors: { local: instantExecutor(stack, shape) } });
try {
  const floor = await floorSecondsPerIteration(stack, 10);
  console.log(
    `Temporal floor: ${(floor * 1000).toFixed(0)} ms per iteration of ${ACTIVITIES_PER_ITERATION} sequential activities`,
  );
  console.log('\nagents  experiments  wall s  experiments/s  s per iteration (one agent)  ratio to floor');
  for (const agents of agentCounts) {
    const spec = { ...smallCampaign(`bench-${agents}`, agents, perAgent), seedsPerExperiment: 1 };
    const started = performance.now();
    const campaignId = await startCampaign(stack, spec);
    const summary = await campaignResult(stack, campaignId);
    const wall = (performance.now() - started) / 1000;
    const perIteration = wall / perAgent;
    console.log(
      `${String(agents).padStart(6)}  ${String(summary.experiments).padStart(11)}  ${wall.toFixed(1).padStart(6)}  ${(summary.experiments / wall).toFixed(2).padStart(13)}  ${perIteration.toFixed(2).padStart(27)}  ${(perIteration / floor).toFixed(1).padStart(14)}`,
    );
  }
} finally {
  await workers.stop();
  await stack.close();
}
process.exit(0);
