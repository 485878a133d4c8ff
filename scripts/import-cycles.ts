/**
 * `make lint`'s import-cycle check: `node --import tsx scripts/import-cycles.ts [root]` prints every
 * cycle of imports among the repository's own modules and exits 1 when there is one.
 *
 * What counts as an import (an edge of the graph):
 * - TypeScript (every `.ts` file outside `node_modules` and hidden folders): relative specifiers
 *   of static imports and re-exports, `import()` calls and `import x = require()`. Type-only
 *   imports (`import type`, `export type ... from`) do not count: they are erased before the code
 *   runs, so they cannot make a module meet a half-initialised one, and a file's types may refer
 *   to each other freely. `import { type A } from` does count: `verbatimModuleSyntax` keeps it
 *   as a module load (Biome's `useImportType` rewrites it to `import type` anyway).
 * - Python (every `.py` file under the same folders): `import a.b`, `from a.b import c`,
 *   `from .x import y`, `from . import z`, absolute names resolved from the root (`trainer.x`,
 *   `student.y`), relative ones from the file's package. Imports inside functions count: a lazy
 *   import only hides a cycle, and the two modules still cannot be understood apart. Imports under
 *   `if TYPE_CHECKING:` do not, as they never run.
 * A dynamic import counts for the same reason as a lazy one. Third-party and standard-library
 * imports are not repository files and are ignored.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ImportGraph, importCycles } from './import-cycles/cycles.js';
import { pythonImports, resolvePython } from './import-cycles/python-imports.js';
import { resolveTypescript, typescriptSpecifiers } from './import-cycles/typescript-imports.js';

const SKIPPED_FOLDERS = new Set(['node_modules', '__pycache__', 'dist']);

/** The `.ts` and `.py` files under `root`, as root-relative paths with `/`. */
function sourceFiles(root: string, folder = root): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED_FOLDERS.has(entry.name)) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(root, path));
    else if (entry.isFile() && /\.(ts|py)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
      files.push(relative(root, path));
  }
  return files;
}

/** The graph of imports between the repository's own TypeScript and Python modules. */
export function importGraph(root: string): ImportGraph {
  const files = sourceFiles(root);
  const known = new Set(files);
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const targets = file.endsWith('.py')
      ? pythonImports(text).flatMap((entry) => resolvePython(file, entry, known))
      : typescriptSpecifiers(text, file).map((specifier) => resolveTypescript(file, specifier, known));
    graph.set(file, new Set(targets.filter((target) => target !== undefined)));
  }
  return graph;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? fileURLToPath(new URL('..', import.meta.url)));
  const graph = importGraph(root);
  const cycles = importCycles(graph);
  if (cycles.length === 0) {
    console.log(`no import cycles among ${graph.size} modules`);
  } else {
    console.error(`${cycles.length} import cycle(s); move what both sides need into a module of its own:`);
    for (const cycle of cycles) console.error(`  ${cycle.join(' -> ')}`);
    process.exitCode = 1;
  }
}
