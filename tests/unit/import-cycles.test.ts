import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { REPO_ROOT } from '../../runtime/config.js';
import { importCycles } from '../../scripts/import-cycles/cycles.js';
import { importGraph } from '../../scripts/import-cycles.js';

const trees: string[] = [];
after(() => {
  for (const tree of trees) rmSync(tree, { recursive: true, force: true });
});

/** A temporary source tree holding `files` (path → text). */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'aar-import-cycles-'));
  trees.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const checker = (root: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import-cycles.ts', root], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });

test('reports every file of a TypeScript cycle in order and exits 1', () => {
  const root = tree({
    'app/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
    'app/b.ts': "export { c as b } from './lib/c.js';\n",
    'app/lib/c.ts': "import { a } from '../a.js';\nexport const c = () => a;\n",
    'app/leaf.ts': "import { a } from './a.js';\nexport const leaf = a;\n",
  });
  const run = checker(root);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^ {2}app\/a\.ts -> app\/b\.ts -> app\/lib\/c\.ts -> app\/a\.ts$/m);
  assert.doesNotMatch(run.stderr, /leaf/);
});

test('does not count type-only TypeScript imports, but counts dynamic ones', () => {
  const root = tree({
    'types.ts': "import type { User } from './user.js';\nexport type Id = string;\nexport type { User };\n",
    'user.ts': "import type { Id } from './types.js';\nexport interface User { id: Id }\n",
    'registry.ts': "import { help } from './help.js';\nexport const commands = [help];\n",
    'help.ts': "export const help = async () => (await import('./registry.js')).commands;\n",
  });
  assert.deepEqual(importCycles(importGraph(root)), [['help.ts', 'registry.ts', 'help.ts']]);
});

test('counts Python imports relative, absolute and lazy, but not under TYPE_CHECKING or in strings', () => {
  const root = tree({
    'pkg/__init__.py': '',
    'pkg/run.py': 'def go():\n    from .lm.student import text_student\n    return text_student\n',
    'pkg/lm/__init__.py': '',
    'pkg/lm/student.py': 'from ..run import go\n',
    'pkg/bundle.py': 'from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .text import Text\n',
    'pkg/text.py': '"""\nfrom pkg.bundle import Meta\n"""\nimport pkg.shared\n',
    'pkg/shared.py': 'from pkg import text\n',
  });
  assert.deepEqual(importCycles(importGraph(root)), [
    ['pkg/lm/student.py', 'pkg/run.py', 'pkg/lm/student.py'],
    ['pkg/shared.py', 'pkg/text.py', 'pkg/shared.py'],
  ]);
});

test('the repository has no import cycles', () => {
  const run = checker(REPO_ROOT);
  assert.equal(run.status, 0, run.stderr);
});
