import { ExperimentParams } from '../../../core/api/eval/common.js';
import { ExperimentRecord, ExperimentRegistration } from '../../../core/api/eval/experiments.js';
import { AppError, errorResponses } from '../../http/errors.js';
import type { EvalPlugin } from '../context.js';
import { BEARER } from '../shared/openapi.js';
import { findTaskSummary, isExpired } from '../tasks/task-repository.js';
import { findExperiment, insertExperiment } from './experiment-repository.js';

const FIELDS = ['campaignId', 'agentId', 'taskId', 'seeds', 'noEval'] as const;

/** Experiment registration (the orchestrator, before each run) and lookup; admin only. */
export const experimentRoutes: EvalPlugin = async (app, { ctx }) => {
  app.put(
    '/v1/admin/experiments/:experimentId',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Register an experiment before it runs (idempotent)',
        description:
          'Binds the experiment to one campaign, agent and task. The same registration again answers 200; a different one answers 409.',
        tags: ['admin'],
        security: BEARER,
        params: ExperimentParams,
        body: ExperimentRegistration,
        response: {
          200: ExperimentRecord,
          201: ExperimentRecord,
          ...errorResponses(400, 401, 403, 404, 409, 410),
        },
      },
    },
    async (request, reply) => {
      const { experimentId } = request.params;
      const task = await findTaskSummary(ctx.pool, request.body.taskId);
      if (task === null)
        throw new AppError(
          'task_not_found',
          `no task ${request.body.taskId}: load it before registering experiments`,
        );
      if (isExpired(task))
        throw new AppError(
          'task_expired',
          `task ${task.taskId} expired at ${task.expiresAt}: register on a current task`,
        );
      const { record, created } = await insertExperiment(ctx.pool, experimentId, request.body);
      const differing = FIELDS.filter((field) => record[field] !== request.body[field]);
      if (differing.length > 0) {
        throw new AppError(
          'experiment_conflict',
          `experiment ${experimentId} is already registered with different ${differing.join(', ')}: register the new run under a new experiment id`,
        );
      }
      return reply.code(created ? 201 : 200).send(record);
    },
  );

  app.get(
    '/v1/admin/experiments/:experimentId',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Read an experiment registration',
        tags: ['admin'],
        security: BEARER,
        params: ExperimentParams,
        response: { 200: ExperimentRecord, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const record = await findExperiment(ctx.pool, request.params.experimentId);
      if (record === null)
        throw new AppError('experiment_not_found', `no experiment ${request.params.experimentId}`);
      return record;
    },
  );
};
