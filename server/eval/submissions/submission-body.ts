import { errorCodes, type FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import type { App } from '../../http/base-app.js';
import { tooDeep } from '../../http/json-depth.js';
import { validatorCompiler } from '../../http/validator.js';
import type { EvalContext } from '../context.js';
import type { InvalidSubmission, ParsedSubmission, SubmissionBody } from '../scoring/scoring-tasks.js';

/** Bodies this module's parser produced: nothing a client sends can pass for one. */
const readByWorker = new WeakSet<object>();

/**
 * Submission bodies are read off the event loop. In the submission routes' scope, JSON bodies go
 * to a scoring worker as bytes, which applies the depth limit, Fastify's JSON parser and the
 * route's schema exactly as the app would, and sends back typed matrices and the payload hash
 * (`parseSubmission`). Parse errors answer as the app's parser answers them; schema errors reach
 * the route's validation step as the validator's own errors (`submissionBodyValidator`), so
 * every refusal keeps its status, message and place in the request's life.
 */
export function readSubmissionBodies(app: App, ctx: EvalContext): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    async (_request: unknown, body: Buffer) => {
      const read = await ctx.scoring.parse(body, ctx.maxJsonDepth);
      if (read.kind !== 'refused') {
        readByWorker.add(read);
        return read;
      }
      if (read.reason === 'too_deep') throw tooDeep(ctx.maxJsonDepth);
      throw new errorCodes[read.reason]();
    },
  );
}

/**
 * The submission route's validator: a body read by `readSubmissionBodies` was checked against the
 * route's schema in the worker, so its errors (or its parsed form) pass through; every other part
 * of the request is validated as everywhere.
 */
export const submissionBodyValidator: FastifySchemaCompiler<TSchema> = (route) => {
  const standard = validatorCompiler(route);
  if (route.httpPart !== 'body') return standard;
  return (body: unknown) => {
    if (!readByWorker.has(body as object)) return standard(body);
    const read = body as ParsedSubmission | InvalidSubmission;
    return read.kind === 'parsed' ? { value: read } : { error: read.errors as never };
  };
};

/** The parsed body of a submission request, as `submissionBodyValidator` let it through. */
export function parsedSubmission(body: unknown): ParsedSubmission {
  const read = body as SubmissionBody;
  if (!readByWorker.has(read) || read.kind !== 'parsed')
    throw new Error('the submission body was not read by readSubmissionBodies');
  return read;
}
