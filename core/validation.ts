import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';

/** One problem found in an input: where it is (a JSON pointer) and what is wrong. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/**
 * Thrown when an input does not match its schema. `issues` lists every problem, each naming
 * the field, so a caller can show all of them at once instead of one per attempt.
 */
export class ValidationError extends Error {
  readonly issues: readonly Issue[];
  constructor(what: string, issues: readonly Issue[]) {
    super(`${what} is invalid: ${issues.map(formatIssue).join('; ')}`);
    this.name = 'ValidationError';
    this.issues = issues;
  }
}

/** `field.sub: message`, or `message` alone for the root. */
export function formatIssue(issue: Issue): string {
  const field = issue.path.replace(/^\//, '').replaceAll('/', '.');
  return field === '' ? issue.message : `${field}: ${issue.message}`;
}

/** Lists the problems of `value` against `schema` without throwing; empty when it is valid. */
export function listIssues(schema: TSchema, value: unknown): Issue[] {
  const issues: Issue[] = [];
  for (const error of Value.Errors(schema, value)) {
    // TypeBox reports `additionalProperties: false` twice: once as a boolean schema. Keep the clear one.
    if (error.keyword === 'boolean') continue;
    issues.push({ path: error.instancePath, message: describe(error) });
  }
  return issues;
}

function describe(error: { keyword: string; message: string; params: unknown }): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    const names = (params.additionalProperties as string[] | undefined) ?? [];
    return `unknown field${names.length > 1 ? 's' : ''} ${names.map((n) => `'${n}'`).join(', ')} (remove or check spelling)`;
  }
  if (error.keyword === 'required') {
    const names = (params.requiredProperties as string[] | undefined) ?? [];
    return `missing required field${names.length > 1 ? 's' : ''} ${names.map((n) => `'${n}'`).join(', ')}`;
  }
  return error.message;
}

/**
 * Applies schema defaults to a copy of `value`, checks it strictly (no type coercion) and returns
 * it typed. Throws {@link ValidationError} naming every bad field.
 */
export function parseWith<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  const withDefaults = Value.Default(schema, Value.Clone(value));
  const issues = listIssues(schema, withDefaults);
  if (issues.length > 0) throw new ValidationError(what, issues);
  return withDefaults as Static<T>;
}
