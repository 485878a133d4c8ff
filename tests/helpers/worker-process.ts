import { type ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT } from '../../runtime/config.js';

export interface WorkerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the worker logged that it is polling. */
  ready(): Promise<void>;
  /** Sends SIGKILL and waits for the process to be gone. */
  kill9(): Promise<void>;
  /** Sends SIGTERM (graceful shutdown) and waits. */
  stop(): Promise<void>;
}

/**
 * Starts a real worker process (`workers/orchestrator.ts` or `workers/dispatch.ts`) with the given
 * environment, so tests can kill it with SIGKILL like a crashed pod.
 */
export function spawnWorker(kind: 'orchestrator' | 'dispatch', env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `workers/${kind}.ts`], {
    cwd: REPO_ROOT,
    env: { ...env, AAR_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const started = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"worker started"')) resolve();
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) =>
      reject(new Error(`${kind} worker exited (${code}) before it started:\n${output.slice(-3000)}`)),
    );
  });
  started.catch(() => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    child,
    ready: () => started,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
