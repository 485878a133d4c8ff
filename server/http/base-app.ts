import type {} from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import { Histogram, type Registry } from 'prom-client';
import type { Logger } from '../../runtime/logger.js';
import { AppError, type ErrorResponse } from './errors.js';
import { validatorCompiler } from './validator.js';

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

export interface BaseAppOptions {
  readonly logger: Logger;
  readonly registry: Registry;
  /** Largest request body accepted, in bytes; larger ones get 413 before any handler runs. */
  readonly bodyLimit: number;
}

/**
 * A Fastify instance with AAR's conventions: TypeBox validation (strict for bodies, converted for
 * query strings and params), one JSON error shape with stable codes, 5xx messages never echoed,
 * request duration metrics, and `/healthz` + `/metrics`.
 */
export function createBaseApp(options: BaseAppOptions): App {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit,
    // Requests are measured in metrics; per-request log lines would drown the useful ones.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  const duration = new Histogram({
    name: 'aar_http_request_duration_seconds',
    help: 'HTTP request duration by route, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [options.registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern, not the URL: keeps the label set bounded.
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe(
      { route, method: request.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.setNotFoundHandler((request, reply) => {
    const body: ErrorResponse = {
      error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` },
    };
    return reply.code(404).send(body);
  });
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const answer = toErrorAnswer(error, request.log);
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', options.registry.contentType);
    return await options.registry.metrics();
  });
  return app;
}

interface ErrorAnswer {
  readonly status: number;
  readonly body: ErrorResponse;
  readonly headers: Record<string, string>;
}

function toErrorAnswer(error: FastifyError | AppError, log: FastifyBaseLogger): ErrorAnswer {
  if (error instanceof AppError) {
    const body: ErrorResponse = {
      error: {
        code: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
      },
    };
    return { status: error.statusCode, body, headers: error.headers ?? {} };
  }
  if (error.validation) {
    const part = error.validationContext ?? 'request';
    const details = error.validation.map((v) => ({
      path: v.instancePath || '/',
      message: v.message ?? 'is invalid',
    }));
    const message = `the ${part} is invalid: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`;
    return { status: 400, body: { error: { code: 'invalid_request', message, details } }, headers: {} };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code =
      status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'invalid_request';
    return { status, body: { error: { code, message: error.message } }, headers: {} };
  }
  // Never echo an internal message: it may hold SQL, paths or data.
  log.error({ err: error }, 'request failed');
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'internal error; the server log has the details' } },
    headers: {},
  };
}
