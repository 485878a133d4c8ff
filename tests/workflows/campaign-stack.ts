import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { createPolicies } from '../../activities/agent/policies.js';
import type { ResearcherPolicy } from '../../activities/agent/policy.js';
import { createHttpEvalClient } from '../../activities/eval/http-eval-client.js';
import type { Executor } from '../../activities/executors/executor.js';
import { createOrchestratorMetrics } from '../../activities/metrics.js';
import { CampaignSpec, withAgentDefaults } from '../../core/campaign-spec.js';
import { parseWith } from '../../core/validation.js';
import { buildEvalApp } from '../../server/eval/app.js';
import { loadTaskFromDir } from '../../server/eval/load-task.js';
import type { App } from '../../server/http/base-app.js';
import { createDispatchWorker } from '../../workers/dispatch-worker.js';
import { createOrchestratorWorker, WORKFLOWS_PATH } from '../../workers/orchestrator-worker.js';
import { campaignWorkflowId, queueNames } from '../../workflows/definitions.js';
import type { campaignWorkflow } from '../../workflows/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { testEvalSettings } from '../helpers/eval-settings.js';
import { plantedExit, storePlantedResult } from '../helpers/planted-result.js';
import { preparedTask } from '../helpers/prepared-task.js';
import { testLogger } from '../helpers/silent-logger.js';
import { createTimeSkippingEnvironment } from '../helpers/time-skipping.js';
import { SUGGEST_CONTINUE_AS_NEW_AT } from './time-skipping-interceptors.js';

const INTERCEPTORS = fileURLToPath(new URL('./time-skipping-interceptors.ts', import.meta.url));
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };

/** What one test runs its campaigns on: a fresh time-skipping server and the workers on it. */
export interface CampaignRun {
  readonly env: TestWorkflowEnvironment;
  /** Starts a campaign from a raw spec, as the api server would (defaults filled in, validated). */
  start(
    spec: Record<string, unknown>,
    options?: { suggestContinueAsNewAt?: number },
  ): Promise<WorkflowHandle<typeof campaignWorkflow>>;
  close(): Promise<void>;
}

export interface CampaignStack {
  readonly record: TestDatabase;
  /** The real workflows with the time-skipping interceptors (replay tests use it too). */
  readonly workflowBundle: WorkflowBundleWithSourceMap;
  /** What the record holds for a campaign: its status, its agents' statuses and details, its experiments. */
  recordOf(campaignId: string): Promise<CampaignRecord>;
  /** A time-skipping server with the real orchestrator worker and a dispatch worker on it. */
  open(options?: {
    policies?: Partial<Record<'baseline', ResearcherPolicy>>;
    /** Executor wall seconds each planted run reports (GPU-seconds are charged from them). */
    runWallSeconds?: number;
  }): Promise<CampaignRun>;
  close(): Promise<void>;
}

export interface CampaignRecord {
  readonly status: string | undefined;
  readonly agents: { id: string; status: string; detail: string | null }[];
  readonly experiments: string[];
  /** System events (`researcher_restarted`, ...) in order. */
  readonly events: { agentId: string | null; action: string; detail: Record<string, unknown> }[];
}

/** A small campaign spec: baseline agents, one seed per experiment, promotion off, `extra` on top. */
export function testCampaign(name: string, agents: number, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'aar/v1',
    id: `${name}-${randomBytes(3).toString('hex')}`,
    name: `time-skipping ${name}`,
    task: 'mnist1d',
    seedsPerExperiment: 1,
    agents: Array.from({ length: agents }, (_, i) => ({ id: `agent-${i + 1}`, policy: 'baseline', seed: i })),
    promotion: { auto: false },
    ...extra,
  };
}

/**
 * The real services a campaign's activities use, on the stack's PostgreSQL: a record database, the
 * eval server (in-process, its own database, the bundled task prepared by the real trainer), and
 * the workflow bundle with the time-skipping interceptors. Each test opens its own test server.
 *
 * One stand-in, at the executor: a run trains nothing; its executor stores a result bundle at once
 * (predictions spread over the classes) and reports `runWallSeconds` as its measured wall time.
 */
export async function startCampaignStack(): Promise<CampaignStack> {
  const record = await createTestDatabase({ migrate: 'record' });
  const evalDb = await createTestDatabase({ migrate: 'eval' });
  const adminToken = randomBytes(24).toString('hex');
  const evalApp: App = buildEvalApp({
    pool: evalDb.runtimePool,
    logger: testLogger,
    registry: new Registry(),
    settings: testEvalSettings(adminToken),
  });
  const evalUrl = await evalApp.listen({ host: '127.0.0.1', port: 0 });
  const loaded = await loadTaskFromDir({
    dir: preparedTask('mnist1d', 'small'),
    taskId: 'mnist1d',
    evalUrl,
    adminToken,
  });
  if (loaded.httpStatus >= 300) throw new Error(`loading mnist1d failed: ${JSON.stringify(loaded.body)}`);
  const testSize: number = (await evalDb.pool.query(`SELECT test_size FROM tasks WHERE id = 'mnist1d'`))
    .rows[0].test_size;
  const workflowBundle: WorkflowBundleWithSourceMap = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [INTERCEPTORS],
    logger: quiet,
  });

  const plantedExecutor = (wallSeconds: number): Executor => ({
    async execute(request) {
      const predictions = Array.from({ length: testSize }, (_, i) =>
        Array.from({ length: 10 }, (_, c) => (c === i % 10 ? 1 : 0)),
      );
      await storePlantedResult(record.pool, request, predictions);
      return { ...plantedExit, wallSeconds };
    },
  });

  return {
    record,
    workflowBundle,
    async recordOf(campaignId) {
      const q = async (sql: string) => (await record.pool.query(sql, [campaignId])).rows;
      const [campaign] = await q('SELECT status FROM campaigns WHERE id = $1');
      return {
        status: campaign?.status,
        agents: await q(
          'SELECT id, status, status_detail AS detail FROM agents WHERE campaign_id = $1 ORDER BY id',
        ),
        experiments: (await q('SELECT status FROM experiments WHERE campaign_id = $1 ORDER BY id')).map(
          (r) => r.status,
        ),
        events: await q(
          `SELECT agent_id AS "agentId", action, detail FROM operator_actions
           WHERE campaign_id = $1 AND actor = 'system' ORDER BY id`,
        ),
      };
    },
    async open(options = {}) {
      const env = await createTimeSkippingEnvironment();
      const namespace = env.namespace ?? 'default';
      const queues = queueNames(`ts${randomBytes(3).toString('hex')}-`);
      const orchestrator = await createOrchestratorWorker({
        connection: env.nativeConnection,
        namespace,
        taskQueue: queues.orchestrator,
        pool: record.runtimePool,
        logger: testLogger,
        // The watchers wait through this client, which lets time skip while they wait.
        temporal: env.client,
        eval: createHttpEvalClient(evalUrl, adminToken),
        metrics: createOrchestratorMetrics(new Registry()),
        policies: {
          ...createPolicies({ pool: record.runtimePool, logger: testLogger, registry: new Registry() }),
          ...options.policies,
        },
        workflowBundle,
      });
      const dispatch = await createDispatchWorker({
        connection: env.nativeConnection,
        namespace,
        taskQueue: queues.dispatch,
        slots: 4,
        executors: { local: plantedExecutor(options.runWallSeconds ?? 60) },
      });
      const running = Promise.all([orchestrator.run(), dispatch.run()]);
      return {
        env,
        async start(raw, startOptions = {}) {
          const spec = withAgentDefaults(parseWith(CampaignSpec, raw, 'campaign spec'));
          const campaignId = spec.id ?? `c-${randomBytes(3).toString('hex')}`;
          const at = startOptions.suggestContinueAsNewAt;
          return await env.client.workflow.start<typeof campaignWorkflow>('campaignWorkflow', {
            workflowId: campaignWorkflowId(campaignId),
            taskQueue: queues.orchestrator,
            args: [{ campaignId, spec }],
            ...(at === undefined ? {} : { memo: { [SUGGEST_CONTINUE_AS_NEW_AT]: at } }),
          });
        },
        async close() {
          orchestrator.shutdown();
          dispatch.shutdown();
          await running;
          await env.teardown();
        },
      };
    },
    async close() {
      await evalApp.close();
      await record.drop();
      await evalDb.drop();
    },
  };
}
