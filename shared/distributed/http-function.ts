/**
 * What the HTTP-triggered functions (precheck, plan-full-load, status) share around their own work,
 * as middy middlewares: the bearer token required before anything runs, and errors as replies.
 *
 *   export const handler = middy(async (event, context) => jsonReply(200, …)).use(httpFunction());
 */
import type { MiddlewareObj } from '@middy/core';
import type { FcContext, HttpReply } from './fc-events.ts';
import { bearerToken } from './middleware/bearer-token.ts';
import { errorReplies } from './middleware/error-reply.ts';

export function httpFunction(): Array<MiddlewareObj<unknown, HttpReply, Error, FcContext>> {
  return [errorReplies(), bearerToken()];
}
