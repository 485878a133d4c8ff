import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { TaskParams } from '../../../core/api/eval/common.js';
import { TaskSummary } from '../../../core/api/eval/tasks.js';
import { AppError, errorResponses } from '../../http/errors.js';
import { principalOf } from '../auth/access.js';
import type { EvalContext, EvalPlugin } from '../context.js';
import { campaignUsesTask } from '../experiments/experiment-repository.js';
import { BEARER } from '../shared/openapi.js';
import { findTaskSummary, isExpired, readBundle } from './task-repository.js';

const notFound = (taskId: string) =>
  new AppError('task_not_found', `no task ${taskId}: check the id, or ask an operator to load it`);

/**
 * Agents see only the tasks their campaign has experiments on: a held-out task stays invisible
 * (404, as if absent) until the orchestrator registers an experiment on it.
 */
async function assertVisible(ctx: EvalContext, request: FastifyRequest, taskId: string): Promise<void> {
  const principal = principalOf(request);
  if (principal.role === 'agent' && !(await campaignUsesTask(ctx.pool, principal.campaignId, taskId)))
    throw notFound(taskId);
}

/** Task metadata and the task bundle: what experiment runs and agents may read (no labels). */
export const taskRoutes: EvalPlugin = async (app, { ctx }) => {
  app.get(
    '/v1/tasks/:taskId',
    {
      config: { access: 'agentOrAdmin' },
      schema: {
        summary: 'Read a task: sizes, class count, fixed weak and ceiling accuracies (never labels)',
        description: 'Agents see only tasks their campaign has experiments on.',
        tags: ['tasks'],
        security: BEARER,
        params: TaskParams,
        response: { 200: TaskSummary, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      await assertVisible(ctx, request, request.params.taskId);
      const task = await findTaskSummary(ctx.pool, request.params.taskId);
      if (task === null) throw notFound(request.params.taskId);
      return task;
    },
  );

  app.get(
    '/v1/tasks/:taskId/bundle',
    {
      config: { access: 'bundleReader' },
      schema: {
        summary: 'Download the task bundle (bundle.npz) that trainer runs fetch',
        description:
          'Agents, the admin token, and run tokens minted for this task. The x-bundle-sha256 header holds its sha256.',
        tags: ['tasks'],
        security: BEARER,
        params: TaskParams,
        response: {
          200: {
            description: 'The bundle bytes.',
            content: {
              'application/octet-stream': {
                schema: Type.Unsafe<Uint8Array>({ type: 'string', format: 'binary' }),
              },
            },
          },
          ...errorResponses(401, 403, 404, 410),
        },
      },
    },
    async (request, reply) => {
      await assertVisible(ctx, request, request.params.taskId);
      const bundle = await readBundle(ctx.pool, request.params.taskId);
      if (bundle === null) throw notFound(request.params.taskId);
      if (isExpired(bundle)) {
        throw new AppError('task_expired', `task ${request.params.taskId} expired at ${bundle.expiresAt}`);
      }
      return reply
        .header('content-type', 'application/octet-stream')
        .header('x-bundle-sha256', bundle.bundleSha256)
        .send(bundle.bundle);
    },
  );
};
