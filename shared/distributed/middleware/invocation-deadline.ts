/**
 * Middy middleware: the time an invocation has left. Function Compute passes the function's timeout
 * (`context.function.timeout`, seconds) but no deadline, so the deadline is the timeout counted from
 * the invocation's start; the handler reads it as `context.remainingMs()`.
 */
import type { MiddlewareObj } from '@middy/core';
import type { FcContext } from '../fc-events.ts';

/** For a context without the function's timeout (a local invocation): apply-changes' timeout in s.yaml. */
export const DEFAULT_TIMEOUT_SECONDS = 600;

export interface DeadlineContext extends FcContext {
  /** Milliseconds until the function's timeout ends this invocation. */
  readonly remainingMs: () => number;
}

export function invocationDeadline(): MiddlewareObj<unknown, unknown, Error, FcContext> {
  return {
    before: (request) => {
      const deadline = Date.now() + (request.context.function?.timeout ?? DEFAULT_TIMEOUT_SECONDS) * 1000;
      Object.assign(request.context, { remainingMs: () => deadline - Date.now() });
    },
  };
}
