import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { REPO_ROOT } from '../../runtime/config.js';

const SCRIPT = join(REPO_ROOT, 'scripts', 'temporal-test-server.sh');

function runScript(arg: string): { ok: boolean; out: string; err: string } {
  const run = spawnSync('bash', [SCRIPT, arg], { encoding: 'utf8', timeout: 600_000 });
  return {
    ok: run.status === 0,
    out: run.stdout.trim(),
    err: `${run.stderr ?? ''}${run.error ?? ''}`.trim(),
  };
}

/**
 * The launcher of Temporal's time-skipping test server (the Java SDK's TestServer, from Maven
 * Central) that scripts/temporal-test-server.sh installs; installed here when missing. Throws, with
 * the script's output, when it cannot be installed: the tests that need it fail, never skip.
 */
export function timeSkippingServerPath(): string {
  const printed = runScript('--print-path');
  if (printed.ok) return printed.out;
  const installed = runScript('install');
  const again = installed.ok ? runScript('--print-path') : installed;
  if (again.ok) return again.out;
  throw new Error(
    `Temporal's time-skipping test server cannot be installed (it needs Java and Maven Central): ` +
      `bash scripts/temporal-test-server.sh install said:\n${installed.err || again.err}`,
  );
}

/**
 * A fresh time-skipping test server and connections to it. Time skips only while a client of this
 * environment awaits a workflow result (or `env.sleep`), and nothing else holds it: a scheduled
 * activity stops the clock from jumping until the activity completes.
 */
export async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const path = timeSkippingServerPath();
  try {
    // The SDK logs every worker state change at INFO; tests want warnings only.
    Runtime.install({ logger: new DefaultLogger((process.env.AAR_TEST_TEMPORAL_LOG as 'WARN') ?? 'WARN') });
  } catch {
    // Installed already in this process.
  }
  return await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
}
