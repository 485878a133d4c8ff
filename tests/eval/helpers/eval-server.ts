import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildEvalApp } from '../../../server/eval/app.js';
import type { Scoring } from '../../../server/eval/scoring/scoring.js';
import { BOOTSTRAP_REPLICATES, type EvalSettings } from '../../../server/eval/settings.js';
import type { App } from '../../../server/http/base-app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { EvalClient } from './eval-client.js';

/** An eval server on a fresh database, listening on a free loopback port. */
export interface EvalTestServer {
  readonly url: string;
  readonly app: App;
  readonly db: TestDatabase;
  readonly registry: Registry;
  readonly settings: EvalSettings;
  /** Every log line the server wrote (at trace level), for leak scans. */
  readonly logLines: string[];
  /** A client that records every response body it receives. */
  readonly client: EvalClient;
  readonly adminToken: string;
  close(): Promise<void>;
}

export async function startEvalServer(
  overrides: Partial<EvalSettings> = {},
  options: { scoring?: Scoring } = {},
): Promise<EvalTestServer> {
  const db = await createTestDatabase({ migrate: 'eval' });
  const adminToken = `admin-${randomBytes(16).toString('hex')}`;
  const settings: EvalSettings = {
    adminToken,
    budgetPerHour: 1000,
    budgetPerCampaign: 10_000,
    ladderStep: 0.01,
    probeFraction: 0.01,
    submissionBodyLimit: 16 * 1024 * 1024,
    taskBodyLimit: 64 * 1024 * 1024,
    bootstrapReplicates: BOOTSTRAP_REPLICATES,
    auditVerifyIntervalMs: 0,
    ...overrides,
  };
  const logLines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  const registry = new Registry();
  const app = buildEvalApp({ pool: db.pool, logger, registry, settings, ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    app,
    db,
    registry,
    settings,
    logLines,
    client: new EvalClient(url, adminToken),
    adminToken,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
