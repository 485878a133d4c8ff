import type { FastifyRequest } from 'fastify';
import type { App } from './base-app.js';
import { AppError } from './errors.js';

/** Default deepest nesting of arrays and objects a JSON body may have. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text nests arrays and objects deeper than `maxDepth`, read in one pass without
 * parsing: brackets inside strings (escapes included) do not count. Malformed text is left to the
 * parser; this only stops a body before a recursive parser or validator can overflow the stack.
 */
export function jsonDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string: to the next quote not escaped by an odd run of backslashes.
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** The refusal of a body nested deeper than `maxDepth` (400 `invalid_request`). */
export function tooDeep(maxDepth: number): AppError {
  return new AppError(
    'invalid_request',
    `body nested deeper than ${maxDepth} levels: flatten the arrays and objects`,
  );
}

/**
 * Replaces the JSON body parser with one that refuses bodies nested deeper than `maxDepth`
 * (400 `invalid_request`) before anything parses or validates them, then parses as Fastify does
 * (prototype poisoning refused).
 */
export function limitJsonDepth(app: App, maxDepth: number): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (request: FastifyRequest, body: string | Buffer, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (jsonDeeperThan(text, maxDepth)) {
        done(tooDeep(maxDepth), undefined);
        return;
      }
      parse(request, text, done);
    },
  );
}
