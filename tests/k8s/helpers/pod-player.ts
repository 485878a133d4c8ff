import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { loadConfig, REPO_ROOT } from '../../../runtime/config.js';
import { type Cluster, eventually, finishPod, oomKillPod, sleep } from './cluster.js';

/** What the player did with one pod. */
export interface Played {
  readonly runId: string;
  readonly pod: string;
  readonly exitCode: number;
  readonly how: 'trained' | 'oom-killed';
}

/** Where the pod's paths lie in the player's scratch folder of one pod. */
const POD_PATHS = ['/etc/aar/run', '/aar/in', '/aar/out'] as const;

/**
 * Plays the part of a run pod's three containers, since simulated pods run no code: for each pod
 * that goes Running it reads the run's Secret and runs here, in order and with each container's
 * own command and environment (pod paths mapped to a scratch folder, `python3` to the repository's
 * Python), `fetch` (the launcher fetches the bundle with the pod's eval token), `student` (with
 * nothing but its own allow-listed environment and PATH) and `upload` (the launcher uploads the
 * result with the pod's upload token), then ends the pod with the exit code of `upload`.
 */
export class PodPlayer {
  readonly played: Played[] = [];
  private readonly seen = new Set<string>();
  private readonly scratch = mkdtempSync(join(tmpdir(), 'aar-pod-player-'));
  private stopped = false;
  private held = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly cluster: Cluster,
    /** Pods for which this returns true are OOMKilled instead of trained (once each). */
    private readonly oomKill: (runId: string) => boolean = () => false,
  ) {}

  /** While held, Running pods wait untouched (a test kills a worker meanwhile). */
  hold(held: boolean): void {
    this.held = held;
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        if (!this.held) {
          const pods = await this.cluster.core
            .listNamespacedPod({
              namespace: this.cluster.namespace,
              labelSelector: 'aar.dev/component=trainer',
            })
            .then(
              (l) => l.items,
              () => [] as V1Pod[],
            );
          for (const pod of pods) {
            const uid = pod.metadata?.uid ?? '';
            if (pod.status?.phase !== 'Running' || pod.metadata?.deletionTimestamp || this.seen.has(uid))
              continue;
            this.seen.add(uid);
            const play = this.play(pod).catch((error) => {
              console.error(`pod player: ${pod.metadata?.name}: ${String(error)}`);
            });
            this.inFlight.add(play);
            void play.finally(() => this.inFlight.delete(play));
          }
        }
        await sleep(250);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all([...this.inFlight]);
    rmSync(this.scratch, { recursive: true, force: true });
  }

  private async play(pod: V1Pod): Promise<void> {
    const name = pod.metadata!.name!;
    const runId = pod.metadata?.annotations?.['aar.dev/run-id'] ?? '';
    if (this.oomKill(runId)) {
      await oomKillPod(this.cluster, name, 'epoch 1/20: loss 0.693\nallocating activations for batch 64');
      this.played.push({ runId, pod: name, exitCode: 137, how: 'oom-killed' });
      return;
    }
    const spec = pod.spec!;
    const byName = (n: string) =>
      [...(spec.initContainers ?? []), ...spec.containers].find((c) => c.name === n)!;
    const [fetch, student, upload] = [byName('fetch'), byName('student'), byName('upload')];
    const secretName =
      fetch.env?.find((e) => e.name === 'AAR_BUNDLE_TOKEN')?.valueFrom?.secretKeyRef?.name ?? '';
    // Like a kubelet, wait for the Secret: the executor creates it just after the Job (or, after a
    // worker died in between, when a retried activity adopts the Job).
    const secret = await eventually(
      `Secret ${secretName} exists`,
      () => this.cluster.core.readNamespacedSecret({ name: secretName, namespace: this.cluster.namespace }),
      120_000,
    );
    const value = (key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString();
    const root = join(this.scratch, name);
    const local = (text: string) =>
      POD_PATHS.reduce((t, path) => t.split(path).join(join(root, path.replaceAll('/', '_'))), text);
    for (const path of POD_PATHS) mkdirSync(local(path), { recursive: true });
    writeFileSync(join(local('/etc/aar/run'), 'spec.json'), value('spec.json'));
    const python = loadConfig().AAR_PYTHON;
    const exec = (command: string[], env: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const [program, ...args] = command.map(local);
        const child = spawn(program === 'python3' ? python : program!, args, {
          cwd: REPO_ROOT,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.on('exit', (code) => resolve(code ?? 1));
      });
    const literalEnv = (c: typeof fetch) =>
      Object.fromEntries(
        (c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, local(e.value!)]),
      );
    let exitCode = await exec(fetch.command!, {
      ...literalEnv(fetch),
      AAR_BUNDLE_TOKEN: value('bundle-token'),
    });
    if (exitCode === 0) {
      // The shell line runs `python3`: point it at the repository's Python.
      const [shell, flag, line] = student.command!;
      await exec([shell!, flag!, line!.replace(/ python3 /, ` ${python} `)], literalEnv(student));
      exitCode = await exec(upload.command!, {
        ...literalEnv(upload),
        AAR_UPLOAD_TOKEN: value('upload-token'),
      });
    }
    await finishPod(this.cluster, name, exitCode === 0 ? 'succeed' : 'fail', exitCode);
    this.played.push({ runId, pod: name, exitCode, how: 'trained' });
  }
}
