import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { isMap, isNode, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { CampaignSpec, campaignSpecProblems } from '../core/campaign-spec.js';

/** One problem of a spec file, where it is and what to do. */
export interface SpecProblem {
  readonly line: number;
  readonly column: number;
  /** The field, as an operator writes it: `agents[1].policy` (empty for the whole document). */
  readonly field: string;
  readonly message: string;
}

/** `file:line:column: field: message`, the form editors and terminals link to. */
export const formatProblem = (file: string, p: SpecProblem): string =>
  `${file}:${p.line}:${p.column}: ${p.field === '' ? '' : `${p.field}: `}${p.message}`;

/** `/agents/1/policy` → `agents[1].policy`. */
export function fieldOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce(
      (field, segment) =>
        /^\d+$/.test(segment) ? `${field}[${segment}]` : field === '' ? segment : `${field}.${segment}`,
      '',
    );
}

/** The schema node a TypeBox error's `schemaPath` (`#/properties/agents/items/...`) names. */
function schemaAt(root: TSchema, schemaPath: string): Record<string, unknown> | null {
  let node: unknown = root;
  for (const segment of schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    if (typeof node !== 'object' || node === null) return null;
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : null;
}

/** A message that says what is allowed, not only that the value is wrong. */
function describe(error: { keyword: string; message: string; params: unknown; schemaPath: string }): string {
  const params = error.params as Record<string, unknown>;
  const schema = schemaAt(CampaignSpec, error.schemaPath);
  const hint = typeof schema?.description === 'string' ? ` (${schema.description})` : '';
  switch (error.keyword) {
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}`;
    case 'enum':
      return `must be one of ${((params.allowedValues as unknown[]) ?? []).map((v) => String(v)).join(', ')}`;
    case 'required': {
      const names = (params.requiredProperties as string[] | undefined) ?? [];
      return `missing required field${names.length > 1 ? 's' : ''} ${names.map((n) => `'${n}'`).join(', ')}`;
    }
    case 'additionalProperties': {
      const names = (params.additionalProperties as string[] | undefined) ?? [];
      return `unknown field ${names.map((n) => `'${n}'`).join(', ')} (remove it or check its spelling)`;
    }
    case 'pattern':
      return `does not match ${String(params.pattern)}${hint}`;
    case 'type':
      return `must be ${/^[aeiou]/.test(String(params.type)) ? 'an' : 'a'} ${String(params.type)}${hint}`;
    default:
      return `${error.message}${hint}`;
  }
}

/** The node at a JSON pointer, or the deepest node on the way to it (a missing field's parent). */
function nodeAt(root: Node | null, pointer: string): Node | null {
  let node: Node | null = root;
  for (const segment of pointer.split('/').slice(1)) {
    let next: unknown = null;
    if (isMap(node)) next = node.get(segment, true);
    else if (isSeq(node)) next = node.get(Number(segment), true);
    if (!isNode(next)) return node;
    node = next;
  }
  return node;
}

/** The key node of `name` in the map at `pointer` (where an unknown field is written). */
function keyAt(root: Node | null, pointer: string, name: string): Node | null {
  const map = nodeAt(root, pointer);
  if (!isMap(map)) return null;
  const pair = map.items.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === name);
  return pair && isNode(pair.key) ? pair.key : null;
}

export type SpecReading = { ok: true; spec: CampaignSpec } | { ok: false; problems: SpecProblem[] };

/**
 * Parses a campaign spec file (YAML, or JSON: YAML is its superset) and checks it against the
 * CampaignSpec schema, reporting every problem with the line and column of the field at fault.
 */
export function readCampaignSpec(text: string): SpecReading {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    const pos = lineCounter.linePos(offset ?? 0);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        ...at(e.pos[0]),
        field: '',
        message: `YAML: ${e.message.split('\n')[0]}`,
      })),
    };
  }
  const value: unknown = doc.toJS();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      problems: [
        {
          line: 1,
          column: 1,
          field: '',
          message: 'a campaign spec is a mapping (apiVersion, name, task, agents, ...)',
        },
      ],
    };
  }
  const withDefaults = Value.Default(CampaignSpec, Value.Clone(value));
  const root = isNode(doc.contents) ? doc.contents : null;
  const problems: SpecProblem[] = [];
  for (const error of Value.Errors(CampaignSpec, withDefaults)) {
    // TypeBox reports an unknown field twice; the additionalProperties error names it.
    if (error.keyword === 'boolean') continue;
    const params = error.params as Record<string, unknown>;
    const unknown = error.keyword === 'additionalProperties' ? (params.additionalProperties as string[]) : [];
    if (unknown.length > 0) {
      for (const name of unknown) {
        const node = keyAt(root, error.instancePath, name) ?? nodeAt(root, error.instancePath);
        problems.push({
          ...at(node?.range?.[0]),
          field: fieldOf(`${error.instancePath}/${name}`),
          message: 'unknown field (remove it or check its spelling)',
        });
      }
      continue;
    }
    const node = nodeAt(root, error.instancePath);
    problems.push({ ...at(node?.range?.[0]), field: fieldOf(error.instancePath), message: describe(error) });
  }
  if (problems.length === 0) {
    for (const p of campaignSpecProblems(withDefaults as CampaignSpec)) {
      problems.push({ ...at(nodeAt(root, p.path)?.range?.[0]), field: fieldOf(p.path), message: p.message });
    }
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    return { ok: false, problems };
  }
  return { ok: true, spec: withDefaults as CampaignSpec };
}

/**
 * Maps problems the api server found (JSON pointers) onto the file's lines, for a server that
 * checks more than this CLI version knows.
 */
export function locateServerProblems(
  text: string,
  details: readonly { path: string; message: string }[],
): SpecProblem[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const root = isNode(doc.contents) ? doc.contents : null;
  return details.map((d) => {
    const pos = lineCounter.linePos(nodeAt(root, d.path)?.range?.[0] ?? 0);
    return { line: pos.line, column: pos.col, field: fieldOf(d.path), message: d.message };
  });
}
