import { dirname, join } from 'node:path';
import ts from 'typescript';

/**
 * The relative module specifiers a TypeScript file loads at run time: static imports and
 * re-exports, `import()` calls, `import x = require()`. Type-only forms (`import type`,
 * `export type ... from`) are left out: they are erased, so they cannot form a cycle at run time.
 * `import { type A } from` is kept: under `verbatimModuleSyntax` it still loads the module.
 */
export function typescriptSpecifiers(text: string, fileName: string): string[] {
  const source = ts.createSourceFile(
    fileName,
    text,
    { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone },
    false,
    ts.ScriptKind.TS,
  );
  const found: string[] = [];
  const add = (node: ts.Node | undefined): void => {
    if (node && ts.isStringLiteralLike(node) && node.text.startsWith('.')) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      if (!node.importClause?.isTypeOnly) add(node.moduleSpecifier);
    } else if (ts.isExportDeclaration(node)) {
      if (!node.isTypeOnly) add(node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node)) {
      if (!node.isTypeOnly && ts.isExternalModuleReference(node.moduleReference))
        add(node.moduleReference.expression);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The repository file a relative specifier names (`./x.js` is `./x.ts`), if it is one of `files`. */
export function resolveTypescript(
  from: string,
  specifier: string,
  files: ReadonlySet<string>,
): string | undefined {
  const base = join(dirname(from), specifier);
  const stem = base.replace(/\.(js|ts|mjs|mts)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.tsx`, join(base, 'index.ts')];
  return candidates.find((candidate) => files.has(candidate));
}
