import { TaskParams } from '../../../core/api/eval/common.js';
import { TaskLoadResponse } from '../../../core/api/eval/tasks.js';
import { errorResponses } from '../../http/errors.js';
import type { EvalPlugin } from '../context.js';
import { BEARER } from '../shared/openapi.js';
import { loadTask, TaskLoadRequest } from './load-task-service.js';

/** `PUT /v1/admin/tasks/:taskId`: loads a task's label store and bundle (admin only). */
export const taskAdminRoutes: EvalPlugin = async (app, { ctx }) => {
  app.put(
    '/v1/admin/tasks/:taskId',
    {
      config: { access: 'admin' },
      bodyLimit: ctx.settings.taskBodyLimit,
      schema: {
        summary: 'Load a task: its label store (labels.json) and bundle (bundle.npz)',
        description:
          'Idempotent: the same content answers 200 unchanged; different content answers 409 unless replace is true. The public/private split is drawn when labels are first stored.',
        tags: ['admin'],
        security: BEARER,
        params: TaskParams,
        body: TaskLoadRequest,
        response: {
          200: TaskLoadResponse,
          201: TaskLoadResponse,
          ...errorResponses(400, 401, 403, 409, 413),
        },
      },
    },
    async (request, reply) => {
      const result = await loadTask(ctx.pool, request.params.taskId, request.body);
      return reply.code(result.status === 'created' ? 201 : 200).send(result);
    },
  );
};
