import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../runtime/config.js';

/**
 * A PostgreSQL cluster and a Temporal dev server of one test file's own, started by the same
 * scripts as `make dev-up` (`scripts/postgres.sh`, `scripts/temporal.sh`) in a scratch state
 * folder on free ports. A fault test stops and starts them for real; the shared stack is never
 * touched.
 */
export interface PrivateServices {
  /** The variables that point AAR (config, test helpers, the CLI) at these services. */
  readonly env: Readonly<Record<string, string>>;
  /** What makes the dev-stack scripts act on these services: state folder and every port. */
  readonly scriptEnv: Readonly<Record<string, string>>;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  stopTemporal(): Promise<void>;
  startTemporal(): Promise<void>;
  /** Stops both and removes their state. */
  close(): Promise<void>;
}

const ROLES = ['aar_owner', 'aar_eval_owner', 'aar_app', 'aar_eval_app'] as const;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Runs `scripts/<script> <action>` with `env`; rejects with its output when it fails. */
function script(name: string, action: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [`scripts/${name}`, action], { cwd: REPO_ROOT, env, stdio: 'pipe' });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${name} ${action} exited ${code}: ${output}`)),
    );
  });
}

export async function startPrivateServices(): Promise<PrivateServices> {
  // PostgreSQL runs as the `postgres` user when the tests run as root: it must reach the folder.
  const dir = mkdtempSync(join(tmpdir(), 'aar-private-'));
  chmodSync(dir, 0o755);
  const [pgPort, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
  const passwords = Object.fromEntries(ROLES.map((role) => [role, randomBytes(16).toString('hex')]));
  mkdirSync(join(dir, 'secrets'), { mode: 0o700 });
  for (const role of ROLES)
    writeFileSync(join(dir, 'secrets', `pg-${role}`), passwords[role]!, { mode: 0o600 });

  // The scripts read the state folder and ports; DATABASE_URL would make postgres.sh stand aside.
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const own = {
    AAR_STATE_DIR: dir,
    AAR_PG_PORT: String(pgPort),
    AAR_TEMPORAL_PORT: String(temporalPort),
    AAR_TEMPORAL_UI_PORT: String(uiPort),
  };
  const scriptEnv = { ...inherited, ...own };
  const url = (role: (typeof ROLES)[number], db: string) =>
    `postgres://${role}:${passwords[role]}@127.0.0.1:${pgPort}/${db}`;
  const services: PrivateServices = {
    scriptEnv: own,
    env: {
      DATABASE_URL: url('aar_app', 'aar'),
      EVAL_DATABASE_URL: url('aar_eval_app', 'aar_eval'),
      AAR_MIGRATE_DATABASE_URL: url('aar_owner', 'aar'),
      AAR_MIGRATE_EVAL_DATABASE_URL: url('aar_eval_owner', 'aar_eval'),
      AAR_TEST_ADMIN_DATABASE_URL: `postgres://postgres@localhost:${pgPort}/postgres?host=${encodeURIComponent(join(dir, 'pg', 'run'))}`,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    },
    stopPostgres: () => script('postgres.sh', 'stop', scriptEnv),
    startPostgres: () => script('postgres.sh', 'start', scriptEnv),
    stopTemporal: () => script('temporal.sh', 'stop', scriptEnv),
    startTemporal: () => script('temporal.sh', 'start', scriptEnv),
    async close() {
      await services.stopTemporal().catch(() => undefined);
      await services.stopPostgres().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await services.startPostgres();
    await script('postgres.sh', 'provision', scriptEnv);
    await services.startTemporal();
  } catch (error) {
    await services.close();
    throw error;
  }
  return services;
}
