/** A Claude policy on a test database against the fake Messages API, without Temporal. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createClaudePolicy } from '../../activities/agent/claude/claude-policy.js';
import type { ModelConnection } from '../../activities/agent/claude/model-client.js';
import { DEFAULT_PRICES } from '../../activities/agent/claude/pricing.js';
import type {
  AnalyseContext,
  PolicyLimits,
  ProposeContext,
  ResearcherPolicy,
} from '../../activities/agent/policy.js';
import { insertRunningCampaign } from '../../activities/store/campaigns.js';
import type { AgentSettings, CampaignSpec } from '../../core/campaign-spec.js';
import { experimentIdOf } from '../../workflows/definitions.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { type FakeAnthropic, startFakeAnthropic } from '../helpers/fake-anthropic/server.js';

export const API_KEY = 'sk-ant-test-turn-0123456789abcdef';
export const CAMPAIGN = 'turns';

export interface TurnFixture {
  readonly db: TestDatabase;
  readonly fake: FakeAnthropic;
  readonly registry: Registry;
  readonly logs: string[];
  policy(options?: { connection?: Partial<ModelConnection>; maxRounds?: number }): ResearcherPolicy;
  proposeContext(
    agentId: string,
    seq: number,
    extra?: { limits?: PolicyLimits; settings?: AgentSettings },
  ): ProposeContext;
  analyseContext(agentId: string, seq: number, extra?: Partial<AnalyseContext>): AnalyseContext;
  close(): Promise<void>;
}

export async function startTurnFixture(agents: readonly string[]): Promise<TurnFixture> {
  const db = await createTestDatabase({ migrate: 'record' });
  const fake = await startFakeAnthropic({ apiKey: API_KEY });
  const registry = new Registry();
  const logs: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  );
  const spec = {
    name: 'turn tests',
    task: 'mnist1d',
    agents: agents.map((id) => ({ id, policy: 'claude', direction: 'auxiliary confidence loss' })),
  } as unknown as CampaignSpec;
  await insertRunningCampaign(db.pool, CAMPAIGN, spec, `campaign-${CAMPAIGN}`);
  return {
    db,
    fake,
    registry,
    logs,
    policy: (options = {}) =>
      createClaudePolicy({
        pool: db.pool,
        logger,
        registry,
        connection: { apiKey: API_KEY, baseUrl: fake.url, maxRetries: 2, ...options.connection },
        prices: {
          ...DEFAULT_PRICES,
          'claude-test': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
        },
        defaultModel: 'claude-test',
        ...(options.maxRounds ? { maxRounds: options.maxRounds } : {}),
      }),
    proposeContext: (agentId, seq, extra = {}) => ({
      campaignId: CAMPAIGN,
      agentId,
      seq,
      direction: 'auxiliary confidence loss',
      seed: 0,
      taskId: 'mnist1d',
      own: [],
      shared: [],
      operatorMessages: [],
      limits: extra.limits ?? {},
      settings: extra.settings ?? {},
    }),
    analyseContext: (agentId, seq, extra = {}) => ({
      campaignId: CAMPAIGN,
      agentId,
      experimentId: experimentIdOf(CAMPAIGN, agentId, seq),
      hypothesis: 'logconf raises PGR',
      spec: {},
      status: 'scored',
      reportedPgr: 0.42,
      improved: true,
      step: 1,
      bestBefore: null,
      weakValAccuracies: [0.61, 0.62],
      limits: {},
      settings: {},
      ...extra,
    }),
    async close() {
      await fake.close();
      await db.drop();
    },
  };
}
