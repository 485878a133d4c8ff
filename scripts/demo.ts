/**
 * `make demo`: prepares the bundled task, loads it into the eval server, starts a campaign of
 * three baseline agents through the api server, shows their progress live, and prints the
 * leaderboard and where to look. Expects the stack and services to be up (scripts/demo.sh).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { leaderboardTable, progressLines } from '../cli/render/campaign-view.js';
import { loadConfig, REPO_ROOT } from '../runtime/config.js';
import { loadTaskFromDir } from '../server/eval/load-task.js';

const config = loadConfig();
const experimentsPerAgent = Number(process.env.DEMO_EXPERIMENTS ?? 3);
const seeds = Number(process.env.DEMO_SEEDS ?? 5);
const size = process.env.DEMO_SIZE === 'small' ? 'small' : 'default';
// `make demo AGENT=claude`: Claude researchers, each with a dollar budget (DEMO_DOLLARS, default 1).
const policy = process.env.AGENT === 'claude' ? 'claude' : 'baseline';
const dollarsPerAgent = Number(process.env.DEMO_DOLLARS ?? 1);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;

// biome-ignore lint/suspicious/noExplicitAny: the demo reads a few fields of documented JSON answers.
async function api(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${config.AAR_API_URL}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${config.AAR_OPERATOR_TOKEN}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const parsed = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(parsed)}`);
  return parsed;
}

// 1. The bundled tasks, prepared by the trusted step (cached) and loaded into the eval server:
//    mnist1d for the campaign, motifs1d as the held-out task the promotion gate checks transfer on.
for (const task of ['mnist1d', 'motifs1d']) {
  // `-v2`: generator version 2 draws the data from a secret; older folders (public seed) are left unused.
  const taskDir = join(config.AAR_TASKS_DIR, `prepared-${size}-v2`, task);
  if (!existsSync(join(taskDir, 'labels.json'))) {
    console.log(
      `preparing task ${task} (${size}): weak model, labels, fixed weak and ceiling accuracy over 8 seeds ...`,
    );
    const run = spawnSync(
      config.AAR_PYTHON,
      ['-m', 'trainer', 'prepare', '--task', task, '--size', size, '--out', taskDir],
      {
        cwd: REPO_ROOT,
        stdio: 'inherit',
      },
    );
    if (run.status !== 0) process.exit(1);
  }
  const loaded = await loadTaskFromDir({
    dir: taskDir,
    evalUrl: config.AAR_EVAL_URL,
    adminToken: config.AAR_EVAL_ADMIN_TOKEN!,
  });
  if (loaded.httpStatus >= 300)
    throw new Error(`loading task ${task} failed: ${JSON.stringify(loaded.body)}`);
  console.log(`task ${task} loaded into the eval server (${elapsed()})`);
}

// 2. A campaign of three baseline agents, each starting from a different direction.
const directions = [
  'auxiliary confidence loss',
  'filter confident labels',
  'early stopping and regularisation',
];
const { campaignId, temporalUrl } = await api('POST', '/v1/campaigns', {
  apiVersion: 'aar/v1',
  name: 'demo',
  task: 'mnist1d',
  heldOutTask: 'motifs1d',
  seedsPerExperiment: seeds,
  // An experiment that beats the campaign best by this margin goes through the promotion gate.
  promotion: { auto: true, margin: Number(process.env.DEMO_PROMOTION_MARGIN ?? 0.1) },
  agents: directions.map((direction, i) => ({
    id: `agent-${i + 1}`,
    policy,
    direction,
    seed: i,
  })),
  budgets: {
    perAgent: {
      experiments: experimentsPerAgent,
      ...(policy === 'claude' ? { dollars: dollarsPerAgent } : {}),
    },
  },
});
console.log(
  `campaign ${campaignId} started: 3 ${policy} agents × ${experimentsPerAgent} experiments × ${seeds} seeds\n`,
);

// 3. Progress until the campaign ends: redrawn in place on a terminal; in a log (CI, a pipe), a
// new block whenever an agent's progress changes, so a long campaign never looks stuck.
let printed = 0;
let lastProgress = '';
for (;;) {
  const view = await api('GET', `/v1/campaigns/${campaignId}`);
  const lines = [
    `${view.status} · ${elapsed()}`,
    ...progressLines(view.agents, experimentsPerAgent, process.stdout.columns ?? 100),
  ];
  const progress = [view.status, ...lines.slice(1)].join('\n');
  if (process.stdout.isTTY && printed > 0) process.stdout.write(`\x1b[${printed}A\x1b[0J`);
  if (process.stdout.isTTY || progress !== lastProgress) console.log(lines.join('\n'));
  lastProgress = progress;
  printed = lines.length;
  if (['completed', 'cancelled', 'failed'].includes(view.status)) break;
  await new Promise((r) => setTimeout(r, process.stdout.isTTY ? 1000 : 5000));
}

// 4. The leaderboard and where to look.
const { leaderboard } = await api('GET', `/v1/campaigns/${campaignId}/leaderboard`);
console.log(
  `\nleaderboard (public half of the test set, ${seeds} seeds):\n${leaderboardTable(leaderboard)}\n`,
);
// 5. The promotion gate: fresh seeds, private half, held-out task. Wait for its verdicts.
let promotions: { id: string; experimentId: string; state: string; reason: string | null }[] = [];
for (let waited = 0; waited < 900; waited += 5) {
  promotions = (await api('GET', `/v1/campaigns/${campaignId}/promotions`)).promotions;
  if (promotions.every((p) => p.state !== 'running')) break;
  if (waited === 0)
    console.log(`promotion gate running for ${promotions.map((p) => p.experimentId).join(', ')} ...`);
  await new Promise((r) => setTimeout(r, 5000));
}
for (const p of promotions) {
  console.log(`promotion ${p.experimentId}: ${p.state.replace('_', ' ')} — ${p.reason ?? 'still running'}`);
  if (p.state === 'verified') {
    console.log(
      `  accept it (a human sign-off): npx aar promotion sign-off ${p.id} --reason "<why you accept it>"`,
    );
  }
}
if (promotions.length === 0) console.log('no experiment beat the campaign best by the promotion margin');

console.log(`
report:       ${config.AAR_API_URL}/v1/campaigns/${campaignId}/report?format=html`);
console.log(`finished in ${elapsed()}
  Temporal UI:  ${temporalUrl}
  api server:   ${config.AAR_API_URL}/v1/campaigns/${campaignId}   (bearer token in .aar-state/secrets/operator-token)
  eval server:  ${config.AAR_EVAL_URL}/openapi.json
  database:     psql postgres://aar_app:***@127.0.0.1:${config.AAR_PG_PORT}/aar
The stack keeps running; \`make dev-down\` stops it.`);
