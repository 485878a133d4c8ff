import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { listIssues, ValidationError } from '../../../core/validation.js';
import type { PoolClient } from '../../../runtime/db.js';

/** A pool or a client inside a transaction: what repository functions query through. */
export type Queryable = Pick<PoolClient, 'query'>;

/**
 * Checks a mapped database row against its schema and returns it typed; a row that does not
 * match is a bug or a tampered database, so it fails loudly (a 500 that never echoes the row).
 */
export function checkRow<T extends TSchema>(schema: T, row: unknown, what: string): Static<T> {
  if (!Value.Check(schema, row)) throw new ValidationError(what, listIssues(schema, row).slice(0, 5));
  return row as Static<T>;
}

/** An ISO-8601 string from a `timestamptz` column (pg gives a Date), or null. */
export function isoOrNull(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

/** An ISO-8601 string from a NOT NULL `timestamptz` column. */
export function iso(value: unknown): string {
  return isoOrNull(value) ?? '';
}

/**
 * A database error stripped to its code and constraint. PostgreSQL puts the failing row in
 * `detail`, and a row of `tasks` holds test labels: such errors must never reach a log line.
 */
export function withoutRowDetail(error: unknown, what: string): Error {
  const pgError = error as { code?: unknown; constraint?: unknown };
  const code = typeof pgError.code === 'string' ? pgError.code : 'unknown';
  const constraint = typeof pgError.constraint === 'string' ? ` (${pgError.constraint})` : '';
  const clean = new Error(`${what} failed: database error ${code}${constraint}`);
  (clean as Error & { code: string }).code = code;
  return clean;
}

/** Whether `error` is PostgreSQL's unique violation (23505). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown }).code === '23505';
}
