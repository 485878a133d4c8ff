import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * How a PostgreSQL client program reaches a database given by URL without the password showing
 * in a process listing: the URL without its password, and the password in PGPASSWORD.
 */
export function libpqTarget(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  const env: NodeJS.ProcessEnv = { ...process.env, PGCONNECT_TIMEOUT: '10' };
  if (password !== '') env.PGPASSWORD = password;
  else delete env.PGPASSWORD;
  return { dbname: parsed.toString(), env };
}

/** `role@host:port/database`, for messages: never the password. */
export function describeUrl(url: string): string {
  const parsed = new URL(url);
  const host = parsed.searchParams.get('host') ?? parsed.hostname;
  return `${decodeURIComponent(parsed.username)}@${host}:${parsed.port || '5432'}${parsed.pathname}`;
}

/** The database name of a PostgreSQL URL. */
export function databaseOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** The end of a tool's error output: a few lines, each cut short (a COPY error quotes its row). */
export function errorTail(stderr: string): string {
  return stderr
    .trim()
    .split('\n')
    .slice(-6)
    .map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line))
    .join('\n');
}

export interface ToolRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `program` from the PostgreSQL bin folder; resolves with its exit code and output. */
export function runPgTool(
  pgBin: string,
  program: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(pgBin, program), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', (error) =>
      reject(new Error(`cannot run ${program} from ${pgBin}: ${error.message}`)),
    );
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Restores a custom-format dump in one transaction: `pg_restore` writes the SQL, `psql
 * --single-transaction` applies it after `before` (statements such as dropping the old schema),
 * so a failure leaves the database as it was. Objects end up owned by the role of `url`, with no
 * grants (the runtime role's are given afterwards, as after a migration).
 */
export function restoreDump(
  pgBin: string,
  dumpFile: string,
  url: string,
  before: readonly string[],
): Promise<ToolRun> {
  const target = libpqTarget(url);
  return new Promise((resolve, reject) => {
    const dump = spawn(join(pgBin, 'pg_restore'), ['--no-owner', '--no-privileges', '--file=-', dumpFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const psql = spawn(
      join(pgBin, 'psql'),
      [
        '--no-psqlrc',
        '--quiet',
        '--single-transaction',
        '--set=ON_ERROR_STOP=1',
        ...before.flatMap((statement) => ['--command', statement]),
        '--file=-',
        `--dbname=${target.dbname}`,
      ],
      { env: target.env, stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    const collect = (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.length > 100_000) stderr = stderr.slice(-50_000);
    };
    dump.stderr.on('data', collect);
    psql.stderr.on('data', collect);
    dump.stdout.pipe(psql.stdin);
    // psql stops reading when it fails; pg_restore then meets a closed pipe.
    psql.stdin.on('error', () => undefined);
    dump.once('error', reject);
    psql.once('error', reject);
    const dumpDone = new Promise<number | null>((done) => dump.once('close', done));
    psql.once('close', (code) => {
      void dumpDone.then((dumpCode) =>
        resolve({ code: code === 0 && dumpCode === 0 ? 0 : 1, stdout: '', stderr }),
      );
    });
  });
}
