import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/**
 * Plays the part of the trainer container for the pods of a namespace, since simulated pods run
 * no code: for each pod that goes Running it reads the run's Secret, runs the real trainer here
 * with the container's own arguments (the spec path mapped to a local copy, CPU instead of CUDA)
 * and environment, so the trainer fetches the bundle with the pod's eval token and uploads its
 * result with the pod's upload token, then ends the pod with the trainer's exit code.
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
    const container = pod.spec!.containers[0]!;
    const secretName =
      container.env?.find((e) => e.name === 'AAR_UPLOAD_TOKEN')?.valueFrom?.secretKeyRef?.name ?? '';
    // Like a kubelet, wait for the Secret: the executor creates it just after the Job (or, after a
    // worker died in between, when a retried activity adopts the Job).
    const secret = await eventually(
      `Secret ${secretName} exists`,
      () => this.cluster.core.readNamespacedSecret({ name: secretName, namespace: this.cluster.namespace }),
      120_000,
    );
    const value = (key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString();
    const specPath = join(this.scratch, `${name}.json`);
    writeFileSync(specPath, value('spec.json'));
    const args = (container.args ?? []).map((arg, i, all) =>
      arg.startsWith('/etc/aar/run/') ? specPath : all[i - 1] === '--device' ? 'cpu' : arg,
    );
    const exitCode = await new Promise<number>((resolve) => {
      const child = spawn(loadConfig().AAR_PYTHON, ['-m', 'trainer', ...args], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          AAR_UPLOAD_TOKEN: value('upload-token'),
          AAR_BUNDLE_TOKEN: value('bundle-token'),
          PYTHONUNBUFFERED: '1',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      child.on('exit', (code) => resolve(code ?? 1));
    });
    await finishPod(this.cluster, name, exitCode === 0 ? 'succeed' : 'fail', exitCode);
    this.played.push({ runId, pod: name, exitCode, how: 'trained' });
  }
}
