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
import {
  type AuthFailureLimit,
  DEFAULT_AUTH_FAILURE_LIMIT,
  limitAuthFailures,
} from './auth-failure-limit.js';
import { AppError, type ErrorResponse } from './errors.js';
import { DEFAULT_MAX_JSON_DEPTH, limitJsonDepth } from './json-depth.js';
import { metricsGuard, metricsRoute } from './metrics-route.js';
import { type AccessGuards, requireRouteAccess } from './route-access.js';
import { securityHeaders } from './security-headers.js';
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
  /**
   * Trust `X-Forwarded-*` from a proxy in front (Fastify's `trustProxy`): `true` for any, or the
   * proxies' addresses/CIDRs, comma-separated. Default false: `request.protocol` is the socket's.
   */
  readonly trustProxy?: boolean | string;
  /** Deepest nesting of a JSON body; deeper ones get 400 before parsing (default 64). */
  readonly maxJsonDepth?: number;
  /** When set, `/metrics` needs `Authorization: Bearer <it>`; when not, it answers loopback only. */
  readonly metricsToken?: string;
  /** Refused (401/403) requests one source may make per window before 429 (default 60 a minute). */
  readonly authFailureLimit?: AuthFailureLimit;
  /** The guards of the server's own access levels; `public` and `metrics` are added here. */
  readonly guards: AccessGuards;
}

/** The options an entry point sets from configuration (`AAR_TRUST_PROXY`, `AAR_METRICS_TOKEN`, ...). */
export type HttpOptions = Pick<
  BaseAppOptions,
  'trustProxy' | 'maxJsonDepth' | 'metricsToken' | 'authFailureLimit'
>;

/**
 * A Fastify instance with AAR's conventions: TypeBox validation (strict for bodies, converted for
 * query strings and params), one JSON error shape with stable codes, 5xx messages never echoed,
 * request duration metrics, `/healthz` + `/metrics` (behind a token or loopback only), JSON bodies
 * bounded in depth before parsing, refused requests limited per source, security headers, and
 * private routes by default: each route declares `config.access` and gets that level's guard
 * (`requireRouteAccess`); one that declares none stops the app from starting.
 */
export function createBaseApp(options: BaseAppOptions): App {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit,
    // Requests are measured in metrics; per-request log lines would drown the useful ones.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    trustProxy: options.trustProxy ?? false,
  }).withTypeProvider<TypeBoxTypeProvider>();
  requireRouteAccess(app, { public: null, metrics: metricsGuard(options.metricsToken), ...options.guards });
  app.setValidatorCompiler(validatorCompiler);
  limitJsonDepth(app, options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH);
  app.addHook('onSend', securityHeaders);
  limitAuthFailures(app, options.authFailureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT, options.registry);

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

  app.get('/healthz', { config: { access: 'public' }, schema: { hide: true } }, async () => ({
    status: 'ok',
  }));
  metricsRoute(app, options.registry);
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
