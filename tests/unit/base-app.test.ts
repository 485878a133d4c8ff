import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { Type } from 'typebox';
import { createBaseApp } from '../../server/http/base-app.js';
import { AppError, errorResponses } from '../../server/http/errors.js';
import { testLogger } from '../helpers/silent-logger.js';

const app = createBaseApp({ logger: testLogger, registry: new Registry(), bodyLimit: 1024, guards: {} });
app.post(
  '/things',
  {
    config: { access: 'public' },
    schema: {
      body: Type.Object({ n: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ n: Type.Integer() }), ...errorResponses(400, 409) },
    },
  },
  async (request) => {
    if (request.body.n === 7) throw new AppError('conflict', 'seven is taken; pick another number');
    return { n: request.body.n };
  },
);
app.get('/boom', { config: { access: 'public' } }, async () => {
  throw new Error('SELECT secret FROM labels');
});
after(() => app.close());

test('answers a body that fails its schema with 400 and the bad field', async () => {
  const res = await app.inject({ method: 'POST', url: '/things', payload: { n: 0, extra: true } });
  assert.equal(res.statusCode, 400);
  const body = res.json();
  assert.equal(body.error.code, 'invalid_request');
  assert.ok(body.error.details.some((d: { path: string }) => d.path === '/n'));
});

test('does not coerce a string body field into a number', async () => {
  const res = await app.inject({ method: 'POST', url: '/things', payload: { n: '5' } });
  assert.equal(res.statusCode, 400);
});

test('answers an oversized body with 413 payload_too_large', async () => {
  const res = await app.inject({ method: 'POST', url: '/things', payload: { n: 1, pad: 'x'.repeat(4096) } });
  assert.equal(res.statusCode, 413);
  assert.equal(res.json().error.code, 'payload_too_large');
});

test('answers a business error with its stable code and message', async () => {
  const res = await app.inject({ method: 'POST', url: '/things', payload: { n: 7 } });
  assert.equal(res.statusCode, 409);
  assert.deepEqual(res.json(), {
    error: { code: 'conflict', message: 'seven is taken; pick another number' },
  });
});

test('never echoes the message of an internal error', async () => {
  const res = await app.inject({ method: 'GET', url: '/boom' });
  assert.equal(res.statusCode, 500);
  assert.equal(res.json().error.code, 'internal');
  assert.doesNotMatch(res.body, /secret|labels/);
});

test('answers an unknown route with 404 not_found', async () => {
  const res = await app.inject({ method: 'GET', url: '/nope?x=1' });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.code, 'not_found');
});

test('exposes request durations on /metrics', async () => {
  await app.inject({ method: 'POST', url: '/things', payload: { n: 2 } });
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.match(
    res.body,
    /aar_http_request_duration_seconds_count\{route="\/things",method="POST",status="200"\}/,
  );
});

test('fills query-string defaults and converts query numbers', async () => {
  const local = createBaseApp({ logger: testLogger, registry: new Registry(), bodyLimit: 1024, guards: {} });
  local.get(
    '/page',
    {
      config: { access: 'public' },
      schema: { querystring: Type.Object({ limit: Type.Integer({ minimum: 1, default: 50 }) }) },
    },
    async (request) => ({ limit: request.query.limit }),
  );
  assert.deepEqual((await local.inject({ method: 'GET', url: '/page' })).json(), { limit: 50 });
  assert.deepEqual((await local.inject({ method: 'GET', url: '/page?limit=7' })).json(), { limit: 7 });
  assert.equal((await local.inject({ method: 'GET', url: '/page?limit=seven' })).statusCode, 400);
  await local.close();
});

test('reads an absent body as an empty object: defaults apply, required fields are named', async () => {
  const local = createBaseApp({ logger: testLogger, registry: new Registry(), bodyLimit: 1024, guards: {} });
  local.post(
    '/optional',
    {
      config: { access: 'public' },
      schema: { body: Type.Object({ reason: Type.String({ default: 'none given' }) }) },
    },
    async (request) => request.body,
  );
  local.post(
    '/required',
    { config: { access: 'public' }, schema: { body: Type.Object({ text: Type.String() }) } },
    async (request) => request.body,
  );
  assert.deepEqual((await local.inject({ method: 'POST', url: '/optional' })).json(), {
    reason: 'none given',
  });
  const missing = await local.inject({ method: 'POST', url: '/required' });
  assert.equal(missing.statusCode, 400);
  assert.match(missing.json().error.message, /text/);
  await local.close();
});
