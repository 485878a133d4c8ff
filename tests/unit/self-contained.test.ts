import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../runtime/config.js';

/** A clone holds nothing but the repository: no file may send a reader to a document outside it. */
test('no file of the repository points to a design or style document outside it', () => {
  const files = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => /\.(md|ts|py|sh|ya?ml|json)$|Makefile$/.test(f) && !f.endsWith('package-lock.json'));
  const outside = files.filter((file) => {
    const path = join(REPO_ROOT, file);
    return existsSync(path) && /shared\/(DESIGN|STYLE)\.md/.test(readFileSync(path, 'utf8'));
  });
  assert.deepEqual(outside, []);
});

test('the README links the architecture document, which names every top-level part', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  assert.match(readme, /\]\(docs\/architecture\.md\)/);
  const architecture = readFileSync(join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');
  for (const part of [
    'core/',
    'workflows/',
    'activities/',
    'workers/',
    'server/',
    'student/',
    'trainer/',
    'db/',
    'cli/',
    'web/',
    'scripts/',
    'tests/',
    'bench/',
  ])
    assert.ok(architecture.includes(`\`${part}\``), `${part} is missing from docs/architecture.md`);
});
