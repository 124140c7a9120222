/**
 * The middy middlewares the functions share (shared/distributed/middleware/), around a stand-in
 * handler: the bearer token, errors as replies, and the invocation's remaining time. The real
 * handlers with them: test/deployment-config.test.ts (bundled) and test/distributed.test.ts.
 */
import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FcDtsError } from '../shared/errors.ts';
import { ENV } from '../shared/distributed/deployment.ts';
import { jsonReply, type FcContext, type HttpReply } from '../shared/distributed/fc-events.ts';
import { httpFunction } from '../shared/distributed/http-function.ts';
import { DEFAULT_TIMEOUT_SECONDS, invocationDeadline, type DeadlineContext } from '../shared/distributed/middleware/invocation-deadline.ts';
import { fcContext } from './helpers/fc-context.ts';

const TOKEN = 'test-token-1234';

function httpHandler(work: () => Promise<HttpReply>) {
  const calls = { count: 0 };
  const handler = middy(async (_event: unknown, _context: FcContext): Promise<HttpReply> => {
    calls.count++;
    return work();
  }).use(httpFunction());
  return { handler, calls };
}

const request = (authorization?: string) => ({ headers: authorization ? { authorization } : {}, requestContext: { http: { method: 'POST', path: '/' } } });
const context = fcContext({ name: 'fc-dts-test-status', timeout: 30 });

describe('httpFunction(): the bearer token', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('refuses a request without the token or with another one (401), the handler never called, the token never echoed', async () => {
    vi.stubEnv(ENV.apiToken, TOKEN);
    const { handler, calls } = httpHandler(async () => jsonReply(200, { ok: true }));
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
      const reply = await handler(request(authorization), context);
      expect({ authorization, status: reply.statusCode }).toEqual({ authorization, status: 401 });
      expect(reply.headers['www-authenticate']).toBe('Bearer');
      expect(reply.body).not.toContain(TOKEN);
    }
    expect(calls.count).toBe(0);
  });

  it('runs the handler for the right token, in either header spelling', async () => {
    vi.stubEnv(ENV.apiToken, TOKEN);
    const { handler, calls } = httpHandler(async () => jsonReply(200, { ok: true }));
    expect((await handler(request(`Bearer ${TOKEN}`), context)).statusCode).toBe(200);
    expect((await handler({ headers: { Authorization: `Bearer ${TOKEN}` } }, context)).statusCode).toBe(200);
    expect(calls.count).toBe(2);
  });

  it('answers 500 when the function has no token configured, whatever the request sends', async () => {
    vi.stubEnv(ENV.apiToken, '');
    const { handler, calls } = httpHandler(async () => jsonReply(200, { ok: true }));
    const reply = await handler(request('Bearer '), context);
    expect(reply.statusCode).toBe(500);
    expect(JSON.parse(reply.body)).toEqual({ error: expect.stringContaining(ENV.apiToken) });
    expect(calls.count).toBe(0);
  });
});

describe('httpFunction(): errors as replies', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it.each([
    ['USAGE', 400],
    ['TASK_FILE_INVALID', 400],
    ['PRECHECK_FAILED', 422],
    ['OBJECT_NOT_FOUND', 404],
    ['CONNECTION_FAILED', 502],
    ['AUTH_FAILED', 502],
    ['STATE_INVALID', 500],
  ] as const)('an fc-dts %s error: HTTP %i with its code, message and fix', async (code, status) => {
    vi.stubEnv(ENV.apiToken, TOKEN);
    const { handler } = httpHandler(async () => {
      throw new FcDtsError(code, `table shop.orders: ${code}`, 'do this');
    });
    const reply = await handler(request(`Bearer ${TOKEN}`), context);
    expect(reply.statusCode).toBe(status);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(JSON.parse(reply.body)).toEqual({ error: { code, message: `table shop.orders: ${code}`, fix: 'do this' } });
  });

  it('any other error: 500 without its details, which go to the log', async () => {
    vi.stubEnv(ENV.apiToken, TOKEN);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failure = new TypeError('connect to 10.1.2.3 with password hunter2 failed');
    const { handler } = httpHandler(async () => {
      throw failure;
    });
    const reply = await handler(request(`Bearer ${TOKEN}`), context);
    expect(reply.statusCode).toBe(500);
    expect(JSON.parse(reply.body)).toEqual({ error: { code: 'INTERNAL', message: 'internal error (see the function log)' } });
    expect(reply.body).not.toContain('hunter2');
    expect(logged).toHaveBeenCalledWith(failure);
  });

  it('an HTTP event that is not JSON: 400, the handler never called', async () => {
    vi.stubEnv(ENV.apiToken, TOKEN);
    const { handler, calls } = httpHandler(async () => jsonReply(200, { ok: true }));
    const reply = await handler(Buffer.from('{not json'), context);
    expect(reply.statusCode).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({ error: { code: 'USAGE', message: 'the HTTP event is not JSON', fix: expect.any(String) } });
    expect(calls.count).toBe(0);
  });
});

describe('invocationDeadline(): the remaining time from the function timeout', () => {
  afterEach(() => vi.useRealTimers());

  const remainingAfter = (ctx: FcContext, ms: number) =>
    middy(async (_event: unknown, c: DeadlineContext): Promise<[number, number]> => {
      const first = c.remainingMs();
      vi.advanceTimersByTime(ms);
      return [first, c.remainingMs()];
    }).use(invocationDeadline())({}, ctx);

  it('counts down from context.function.timeout (seconds) from the invocation’s start', async () => {
    vi.useFakeTimers();
    expect(await remainingAfter(fcContext({ name: 'apply', timeout: 30 }), 4_000)).toEqual([30_000, 26_000]);
    expect(await remainingAfter(fcContext({ name: 'apply', timeout: 5 }), 7_000)).toEqual([5_000, -2_000]);
  });

  it('starts afresh with each invocation of a warm instance', async () => {
    vi.useFakeTimers();
    const handler = middy(async (_event: unknown, c: DeadlineContext) => c.remainingMs()).use(invocationDeadline());
    expect(await handler({}, fcContext({ name: 'apply', timeout: 60 }))).toBe(60_000);
    vi.advanceTimersByTime(45_000);
    expect(await handler({}, fcContext({ name: 'apply', timeout: 60 }))).toBe(60_000);
  });

  it('assumes apply-changes’ deployed timeout when the context has none', async () => {
    vi.useFakeTimers();
    expect(await remainingAfter({ requestId: 'local' }, 1_000)).toEqual([DEFAULT_TIMEOUT_SECONDS * 1000, DEFAULT_TIMEOUT_SECONDS * 1000 - 1_000]);
    expect(DEFAULT_TIMEOUT_SECONDS).toBe(600);
  });
});
