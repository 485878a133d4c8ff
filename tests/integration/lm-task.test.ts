import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../runtime/config.js';
import { loadTaskFromDir } from '../../server/eval/load-task.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * The text-task path end to end: a generated JSONL task imported by the trainer (weak teacher
 * included) on two random-init models, loaded into the real eval server, one LoRA student trained
 * on the bundle the eval server serves, and its predictions scored. Python is the LM venv that
 * `scripts/lm-deps.sh` builds (`make test` builds it through scripts/test.d/30-lm.sh).
 */
const TASK = 'reviews-lm';
const CAMPAIGN = 'lm-campaign';
const AGENT = 'agent-1';
const EXPERIMENT = 'lm-exp-1';
const run = promisify(execFile);

let stack: Stack;
let python: string;
let work: string;
let labels: { testLabels: number[]; weakAccuracy: { mean: number }; ceilingAccuracy: { mean: number } };
let predictions: number[][];

/**
 * Runs the trainer's python with `args` from the repository root; fails the test with its stderr.
 * Asynchronous: the eval server this test serves the bundle from runs in this process.
 */
async function trainer(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    await run(python, args, { cwd: REPO_ROOT, env, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    assert.fail(`${args.slice(0, 3).join(' ')} failed (${failed.code}): ${failed.stderr}`);
  }
}

const words = (text: string) => text.split(' ');

/** Writes an experiment spec of the task for the model at `modelPath`; returns its file. */
function spec(modelPath: string, training: Record<string, number>, lora: boolean): string {
  const file = join(work, `${modelPath.split('/').pop()}-${lora ? 'lora' : 'full'}.json`);
  const model = {
    family: 'hf-causal-lm',
    path: modelPath,
    labelTokens: [' no', ' yes'],
    maxLength: 64,
    ...(lora ? { lora: { r: 16, alpha: 32, dropout: 0 } } : {}),
  };
  writeFileSync(
    file,
    JSON.stringify({ specVersion: 1, task: TASK, loss: { kind: 'xent' }, training, model }),
  );
  return file;
}

before(async () => {
  python = execFileSync('bash', ['scripts/lm-deps.sh', '--print-python'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  }).trim();
  work = mkdtempSync(join(tmpdir(), 'aar-lm-'));
  // The models folder is mounted into the sandbox, whose unprivileged user must be able to read it.
  chmodSync(work, 0o755);
  const data = join(work, 'data');
  const weak = join(work, 'weak');
  const strong = join(work, 'strong');
  const task = join(work, 'task');
  await trainer([...words('-m trainer.lm.synthetic --train-label 100 --train-unlabel 400 --out'), data]);
  await trainer([...words('-m trainer.lm.random_model --preset weak-tiny --seed 1 --out'), weak]);
  await trainer([...words('-m trainer.lm.random_model --preset strong-tiny --seed 2 --out'), strong]);
  const student = { epochs: 3, learningRate: 0.003, batchSize: 32 };
  await trainer([
    ...words(`-m trainer import-jsonl --device cpu --task ${TASK} --data`),
    data,
    '--weak-spec',
    spec(weak, { epochs: 2, learningRate: 0.0015, batchSize: 32 }, false),
    '--strong-spec',
    spec(strong, { ...student, epochs: 6 }, true),
    '--template',
    '{text} answer:',
    '--out',
    task,
  ]);
  labels = JSON.parse(readFileSync(join(task, 'labels.json'), 'utf8'));
  stack = await startStack();
  const loaded = await loadTaskFromDir({
    dir: task,
    evalUrl: stack.evalUrl,
    adminToken: stack.adminToken,
  });
  assert.equal(loaded.httpStatus, 201, JSON.stringify(loaded.body));
  // The student runs as every agent-written run does: in the launcher's sandbox, the model folder
  // mounted read-only, the bundle the eval server serves fetched first by the trusted side.
  const bundleUrl = `${stack.evalUrl}/v1/tasks/${TASK}/bundle`;
  const runDir = join(work, 'run');
  mkdirSync(runDir);
  copyFileSync(spec(strong, student, true), join(runDir, 'spec.json'));
  await trainer(
    [...words('-m trainer.launcher fetch-bundle --url'), bundleUrl, '--out', join(work, 'bundle.npz')],
    {
      ...process.env,
      AAR_BUNDLE_TOKEN: stack.adminToken,
    },
  );
  await trainer([
    ...words('-m trainer.launcher run --device cpu --seed 0 --run-id lm-run --run-dir'),
    runDir,
    '--bundle',
    join(work, 'bundle.npz'),
    '--python',
    python,
    '--models-dir',
    work,
  ]);
  const result = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8'));
  assert.equal(result.status, 'succeeded', JSON.stringify(result.failure));
  assert.deepEqual(result.sandboxEvents, []);
  predictions = result.predictions;
});

after(async () => {
  await stack?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('the eval server loads an imported JSONL task and scores a text student from its bundle', async () => {
  const admin = { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' };
  const registered = await fetch(`${stack.evalUrl}/v1/admin/experiments/${EXPERIMENT}`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ campaignId: CAMPAIGN, agentId: AGENT, taskId: TASK, seeds: 1, noEval: false }),
  });
  assert.equal(registered.status, 201, await registered.text());
  const submitted = await fetch(`${stack.evalUrl}/v1/submissions`, {
    method: 'POST',
    headers: { ...admin, 'x-aar-act-as': `${CAMPAIGN}/${AGENT}` },
    body: JSON.stringify({
      experimentId: EXPERIMENT,
      idempotencyKey: 'lm-1',
      seeds: [{ seed: 0, probabilities: predictions }],
    }),
  });
  const receipt = (await submitted.json()) as { submissionId: string; reportedPgr: number };
  assert.equal(submitted.status, 201, JSON.stringify(receipt));
  assert.ok(Number.isFinite(receipt.reportedPgr));

  const scored = await fetch(
    `${stack.evalUrl}/v1/admin/submissions/${receipt.submissionId}?include=private`,
    {
      headers: admin,
    },
  );
  const score = (await scored.json()) as {
    public: { examples: number; meanAccuracy: number; meanPgr: number };
    private: { examples: number; meanAccuracy: number };
  };
  assert.equal(scored.status, 200, JSON.stringify(score));
  // The two halves together are the whole test set: their accuracies recombine to the one
  // computed here from the label store, and PGR follows from the label store's baselines.
  const correct = predictions.filter(
    (row, i) => row.indexOf(Math.max(...row)) === labels.testLabels[i],
  ).length;
  const halves =
    score.public.meanAccuracy * score.public.examples + score.private.meanAccuracy * score.private.examples;
  assert.equal(score.public.examples + score.private.examples, labels.testLabels.length);
  assert.ok(Math.abs(halves - correct) < 1e-6, `${halves} != ${correct}`);
  const weak = labels.weakAccuracy.mean;
  const expectedPgr = (score.public.meanAccuracy - weak) / (labels.ceilingAccuracy.mean - weak);
  assert.ok(Math.abs(score.public.meanPgr - expectedPgr) < 1e-9, `${score.public.meanPgr} != ${expectedPgr}`);
});
