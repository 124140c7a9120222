/**
 * Middy middleware of the HTTP-triggered functions: nothing runs without `Authorization: Bearer
 * <DTS_API_TOKEN>`. The refusal (401, or 500 when no token is configured) is the reply, the handler
 * never called; the token is compared in constant time and never echoed.
 */
import type { MiddlewareObj } from '@middy/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ENV } from '../deployment.ts';
import { jsonReply, parseHttpEvent, type FcContext, type HttpEvent, type HttpReply } from '../fc-events.ts';

export function bearerToken(env: NodeJS.ProcessEnv = process.env): MiddlewareObj<unknown, HttpReply, Error, FcContext> {
  return {
    // A reply returned by `before` is middy's early response.
    before: (request) => checkBearer(parseHttpEvent(request.event), env[ENV.apiToken]),
  };
}

/** `Authorization: Bearer <token>` equal to the expected token, else the refusal. */
export function checkBearer(event: HttpEvent, expected: string | undefined): HttpReply | undefined {
  if (!expected) return jsonReply(500, { error: 'the function has no API token configured (DTS_API_TOKEN)' });
  const header = event.headers?.authorization ?? event.headers?.Authorization ?? '';
  const given = /^Bearer (.+)$/.exec(header)?.[1] ?? '';
  // Hashes first: timingSafeEqual needs equal lengths, and the comparison must not leak the length.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  if (timingSafeEqual(digest(given), digest(expected))) return undefined;
  return { ...jsonReply(401, { error: 'unauthorized: send Authorization: Bearer <token>' }), headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' } };
}
