import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../runtime/config.js';
import type { Stack } from '../helpers/stack.js';

/** The `aar` executable: the package's bin, run as a user's shell would run it. */
export const AAR_BIN = join(REPO_ROOT, 'cli', 'bin.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment the CLI gets to talk to a test stack (nothing of the developer's own setup). */
export function stackEnv(stack: Stack, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AAR_STATE_DIR: process.env.AAR_STATE_DIR,
    AAR_API_URL: stack.apiUrl,
    AAR_OPERATOR_TOKEN: stack.operatorToken,
    AAR_EVAL_URL: stack.evalUrl,
    AAR_EVAL_ADMIN_TOKEN: stack.adminToken,
    DATABASE_URL: stack.record.url,
    EVAL_DATABASE_URL: stack.evalDb.url,
    AAR_QUEUE_PREFIX: stack.queuePrefix,
    ...extra,
  };
}

/** Runs a command line (a program and its arguments) and collects its output and exit code. */
export function runProcess(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** Runs `aar <args>` as a subprocess. */
export const aar = (
  env: NodeJS.ProcessEnv,
  args: readonly string[],
  timeoutMs?: number,
): Promise<CliResult> => runProcess(AAR_BIN, args, env, timeoutMs);

/** `aar --json <args>`, parsed; fails the test with the CLI's stderr when it did not exit 0. */
export async function aarJson<T = any>(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<T> {
  const result = await aar(env, [...args, '--json']);
  if (result.code !== 0) throw new Error(`aar ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

export { eventually } from '../helpers/eventually.js';
