import { dirname, join } from 'node:path';

/** One import statement of a Python file: the module (dotted, leading dots for relative) and names. */
export interface PythonImport {
  readonly module: string;
  /** For `from module import a, b`: `['a', 'b']`; empty for `import module`. */
  readonly names: readonly string[];
}

/** A logical line: its indentation and its text with strings and comments blanked out. */
interface LogicalLine {
  readonly indent: number;
  readonly text: string;
}

/**
 * Splits Python source into logical lines (brackets and backslashes join physical lines), with
 * every string literal replaced by `''` and comments dropped, so a docstring that reads like an
 * import is not one.
 */
function logicalLines(source: string): LogicalLine[] {
  const lines: LogicalLine[] = [];
  let text = '';
  let depth = 0;
  let indent = -1;
  let i = 0;
  const end = (): void => {
    if (text.trim() !== '') lines.push({ indent: Math.max(indent, 0), text: text.trim() });
    text = '';
    indent = -1;
  };
  while (i < source.length) {
    const c = source[i] as string;
    if (indent < 0 && c !== ' ' && c !== '\t' && c !== '\n') indent = text.length;
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i += 1;
    } else if (c === '"' || c === "'") {
      const quote = source.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length;
      while (i < source.length && !source.startsWith(quote, i)) {
        if (quote.length === 1 && source[i] === '\n') break;
        i += source[i] === '\\' ? 2 : 1;
      }
      i += quote.length;
      text += "''";
    } else if (c === '\\' && source[i + 1] === '\n') {
      i += 2;
      text += ' ';
    } else if (c === '\n') {
      i += 1;
      if (depth > 0) text += ' ';
      else end();
    } else {
      if ('([{'.includes(c)) depth += 1;
      if (')]}'.includes(c)) depth = Math.max(depth - 1, 0);
      text += c;
      i += 1;
    }
  }
  end();
  return lines;
}

const FROM_IMPORT = /^from\s+(\.*[\w.]*)\s+import\s+(.+)$/;
const PLAIN_IMPORT = /^import\s+(.+)$/;
const TYPE_CHECKING_BLOCK = /^if\s+(typing\.)?TYPE_CHECKING\s*:/;

/**
 * Every import statement of a Python file, at module level or inside a function (a lazy import
 * still ties the two modules together), except those under `if TYPE_CHECKING:`, which never run.
 */
export function pythonImports(source: string): PythonImport[] {
  const imports: PythonImport[] = [];
  let typeCheckingIndent: number | undefined;
  for (const line of logicalLines(source)) {
    if (typeCheckingIndent !== undefined && line.indent > typeCheckingIndent) continue;
    typeCheckingIndent = undefined;
    if (TYPE_CHECKING_BLOCK.test(line.text)) {
      typeCheckingIndent = line.indent;
      continue;
    }
    for (const statement of line.text.split(';').map((part) => part.trim())) {
      const from = FROM_IMPORT.exec(statement);
      if (from) {
        const names = (from[2] as string).replace(/[()]/g, '').split(',');
        imports.push({ module: from[1] as string, names: names.map(importedName).filter(Boolean) });
        continue;
      }
      const plain = PLAIN_IMPORT.exec(statement);
      if (plain)
        for (const module of (plain[1] as string).split(',').map(importedName))
          imports.push({ module, names: [] });
    }
  }
  return imports;
}

/** `a.b as c` → `a.b`. */
const importedName = (part: string): string =>
  part
    .trim()
    .split(/\s+as\s+/)[0]
    ?.trim() ?? '';

/**
 * The repository file an import loads: the submodule `module.name` when there is one, else the
 * module itself (`x.py` or `x/__init__.py`). Absolute names resolve from the root, relative ones
 * from the importing file's package. The packages above a module are not counted: a package's
 * `__init__` that imports its own submodules is the normal registry shape, not a cycle.
 */
export function resolvePython(from: string, entry: PythonImport, files: ReadonlySet<string>): string[] {
  const level = /^\.*/.exec(entry.module)?.[0].length ?? 0;
  let base = entry.module.slice(level).split('.').filter(Boolean);
  if (level > 0) {
    const pkg = dirname(from)
      .split('/')
      .filter((part) => part !== '.');
    if (level - 1 > pkg.length) return [];
    base = [...pkg.slice(0, pkg.length - (level - 1)), ...base];
  }
  const moduleFile = (parts: readonly string[]): string | undefined => {
    if (parts.length === 0) return undefined;
    const path = parts.join('/');
    return [`${path}.py`, join(path, '__init__.py')].find((candidate) => files.has(candidate));
  };
  if (entry.names.length === 0) return [moduleFile(base)].filter((file) => file !== undefined);
  const targets = entry.names.map((name) => moduleFile([...base, name]) ?? moduleFile(base));
  return [...new Set(targets.filter((file) => file !== undefined))];
}
