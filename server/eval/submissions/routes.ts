import { Type } from 'typebox';
import { ExperimentId, SubmissionParams } from '../../../core/api/eval/common.js';
import { SubmissionList, SubmissionReceipt, SubmissionRequest } from '../../../core/api/eval/submissions.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { agentOf } from '../auth/access.js';
import type { EvalPlugin } from '../context.js';
import { BEARER } from '../shared/openapi.js';
import { parsedSubmission, readSubmissionBodies, submissionBodyValidator } from './submission-body.js';
import { findReceipt, listReceipts } from './submission-repository.js';
import { submit } from './submit.js';

/** The agent's routes: submit predictions, read its own receipts (the Ladder view). */
export const submissionRoutes: EvalPlugin = async (app, { ctx }) => {
  readSubmissionBodies(app, ctx);
  app.post(
    '/v1/submissions',
    {
      config: { access: 'agent' },
      validatorCompiler: submissionBodyValidator,
      preParsing: async (request) => {
        const length = Number(request.headers['content-length']);
        if (Number.isFinite(length) && length > ctx.settings.submissionBodyLimit) {
          throw new AppError(
            'payload_too_large',
            `the body is ${length} bytes; submissions may be at most ${ctx.settings.submissionBodyLimit} bytes: send fewer seeds per submission or shorter numbers (6 significant digits are plenty)`,
          );
        }
      },
      schema: {
        summary: 'Submit test-set probabilities for the seeds of one of your experiments',
        description:
          'Validated in full before anything is stored or counted. The answer is the Ladder view: your best public PGR on the task rounded to the step, which moves only when a submission beats it by more than the step. The same idempotency key returns the same answer (200) and is counted once.',
        tags: ['submissions'],
        security: BEARER,
        body: SubmissionRequest,
        response: {
          200: SubmissionReceipt,
          201: SubmissionReceipt,
          ...errorResponses(400, 401, 403, 404, 409, 410, 413, 415, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const answer = await submit(ctx, request, agentOf(request), parsedSubmission(request.body));
      if (answer.status === 200) reply.header('idempotent-replayed', 'true');
      return reply.code(answer.status).send(answer.receipt);
    },
  );

  app.get(
    '/v1/submissions',
    {
      config: { access: 'agent' },
      schema: {
        summary: 'List your own submissions (Ladder view), newest first',
        tags: ['submissions'],
        security: BEARER,
        querystring: Type.Object(
          {
            experimentId: Type.Optional(ExperimentId),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: SubmissionList, ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({
      submissions: await listReceipts(
        ctx.pool,
        agentOf(request),
        request.query.experimentId,
        request.query.limit ?? 100,
      ),
    }),
  );

  app.get(
    '/v1/submissions/:submissionId',
    {
      config: { access: 'agent' },
      schema: {
        summary: 'Read one of your own submissions (Ladder view)',
        tags: ['submissions'],
        security: BEARER,
        params: SubmissionParams,
        response: { 200: SubmissionReceipt, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const receipt = await findReceipt(ctx.pool, agentOf(request), request.params.submissionId);
      if (receipt === null) {
        throw new AppError('submission_not_found', `you have no submission ${request.params.submissionId}`);
      }
      return receipt;
    },
  );
};
