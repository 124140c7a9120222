/**
 * Middy middleware of the HTTP-triggered functions: an error becomes the reply. fc-dts errors go out
 * with their code, message and fix (they name objects, never secrets) and the HTTP status of their
 * code; anything else is a 500 without its details, which go to the function log only.
 */
import type { MiddlewareObj } from '@middy/core';
import { isFcDtsError, type ErrorCode } from '../../errors.ts';
import { jsonReply, type FcContext, type HttpReply } from '../fc-events.ts';

const STATUS: Partial<Readonly<Record<ErrorCode, number>>> = { USAGE: 400, TASK_FILE_INVALID: 400, PRECHECK_FAILED: 422, OBJECT_NOT_FOUND: 404, CONNECTION_FAILED: 502, AUTH_FAILED: 502 };

export function errorReplies(): MiddlewareObj<unknown, HttpReply, Error, FcContext> {
  return {
    onError: (request) => {
      request.response = errorReply(request.error);
    },
  };
}

export function errorReply(e: unknown): HttpReply {
  if (isFcDtsError(e)) return jsonReply(STATUS[e.code] ?? 500, { error: { code: e.code, message: e.message, fix: e.fix } });
  console.error(e);
  return jsonReply(500, { error: { code: 'INTERNAL', message: 'internal error (see the function log)' } });
}
