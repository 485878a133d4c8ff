import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { aar } from './cli-runner.js';

/** An environment where nothing answers: every URL points at a closed port. */
const nowhere: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  AAR_STATE_DIR: '/nonexistent',
  AAR_API_URL: 'http://127.0.0.1:9',
  AAR_EVAL_URL: 'http://127.0.0.1:9',
  AAR_OPERATOR_TOKEN: 'operator-token-for-tests-0123456789',
  AAR_EVAL_ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
  DATABASE_URL: 'postgres://aar:aar@127.0.0.1:9/aar',
  EVAL_DATABASE_URL: 'postgres://aar:aar@127.0.0.1:9/aar_eval',
  TEMPORAL_ADDRESS: '127.0.0.1:9',
  TEMPORAL_UI_URL: 'http://127.0.0.1:9',
};

const scratch = mkdtempSync(join(tmpdir(), 'aar-cli-usage-'));
const specFile = (name: string, text: string) => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
};
const GOOD = `apiVersion: aar/v1\nname: usage\ntask: mnist1d\nagents:\n  - id: agent-1\n`;

test('with no arguments it lists the commands and exits 2', async () => {
  const run = await aar(nowhere, []);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /campaign start/);
  assert.match(run.stderr, /audit verify/);
});

test('help and --help print usage and exit 0', async () => {
  const overview = await aar(nowhere, ['help']);
  assert.equal(overview.code, 0);
  assert.match(overview.stdout, /exit codes: 0 success, 1 failure, 2 usage/);
  const one = await aar(nowhere, ['campaign', 'start', '--help']);
  assert.equal(one.code, 0);
  assert.match(one.stdout, /^usage: aar campaign start -f <campaign\.yaml>/);
});

test('an unknown command exits 2 and says how to list the commands', async () => {
  const run = await aar(nowhere, ['campain', 'list']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown command 'campain list' \(aar help lists the commands\)/);
});

test('an unknown option exits 2 with the usage line', async () => {
  const run = await aar(nowhere, ['campaign', 'list', '--frobnicate']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /Unknown option '--frobnicate'/);
  assert.match(run.stderr, /usage: aar campaign list \[--limit <n>\]/);
});

test('a missing argument exits 2', async () => {
  const run = await aar(nowhere, ['forum', 'show']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /missing argument/);
});

test('an invalid spec exits 1 naming each problem by line and field, before any server is asked', async () => {
  const file = specFile(
    'bad.yaml',
    GOOD.replace('task: mnist1d', 'task: mnist1d\nseedsPerExperiment: 0').concat('    policy: gpt\n'),
  );
  const run = await aar(nowhere, ['campaign', 'start', '-f', file]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /bad\.yaml:4:21: seedsPerExperiment: must be >= 1/);
  assert.match(run.stderr, /bad\.yaml:7:13: agents\[0\]\.policy: must be one of baseline, claude/);
});

test('--dry-run checks a valid spec and starts nothing', async () => {
  const run = await aar(nowhere, ['campaign', 'start', '-f', specFile('good.yaml', GOOD), '--dry-run']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /is a valid campaign spec: 1 agents on task mnist1d/);
});

test('a spec file that does not exist exits 1 and names it', async () => {
  const run = await aar(nowhere, ['campaign', 'start', '-f', join(scratch, 'absent.yaml')]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /cannot read .*absent\.yaml: ENOENT/);
});

test('an api server that does not answer exits 1 naming the variable to check', async () => {
  const run = await aar(nowhere, ['campaign', 'list']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /cannot reach the api server at http:\/\/127\.0\.0\.1:9 .*is AAR_API_URL right\?/);
});

test('a bad configuration value exits 2 naming the variable', async () => {
  const run = await aar({ ...nowhere, AAR_API_URL: 'not a url' }, ['campaign', 'list']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /AAR_API_URL="not a url": expected a URL/);
});

test('a missing operator token exits 2 and says where it comes from', async () => {
  const { AAR_OPERATOR_TOKEN: _, ...withoutToken } = nowhere;
  const run = await aar(withoutToken, ['campaign', 'list']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /AAR_OPERATOR_TOKEN is not set/);
});

test('doctor exits 1 and says what is wrong with each service it cannot reach', async () => {
  const run = await aar(nowhere, ['doctor', '--json']);
  assert.equal(run.code, 1);
  const report = JSON.parse(run.stdout) as {
    ok: boolean;
    checks: { name: string; ok: boolean; detail: string }[];
  };
  assert.equal(report.ok, false);
  const byName = new Map(report.checks.map((c) => [c.name, c]));
  assert.match(byName.get('api server')!.detail, /unreachable .*AAR_API_URL/);
  assert.match(byName.get('record database')!.detail, /DATABASE_URL/);
  assert.match(byName.get('temporal')!.detail, /TEMPORAL_ADDRESS/);
  assert.ok(report.checks.every((c) => !c.ok));
});

test('the bash completion script is valid bash and completes commands and options', async () => {
  const script = await aar(nowhere, ['completion', 'bash']);
  assert.equal(script.code, 0);
  const file = specFile('aar.bash', script.stdout);
  const complete = (words: string[]) =>
    spawnSync(
      'bash',
      [
        '-c',
        `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _aar_complete; echo "\${COMPREPLY[*]}"`,
      ],
      { encoding: 'utf8' },
    ).stdout.trim();
  assert.equal(spawnSync('bash', ['-n', file]).status, 0);
  assert.equal(complete(['aar', 'ca']), 'campaign cancel');
  assert.equal(complete(['aar', 'campaign', 're']), 'resume retry-failed reset');
  assert.equal(complete(['aar', 'campaign', 'reset', '--d']), '--dry-run');
  const zsh = await aar(nowhere, ['completion', 'zsh']);
  assert.match(zsh.stdout, /^autoload -U \+X bashcompinit && bashcompinit\n/);
});
