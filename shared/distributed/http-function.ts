/**
 * What the HTTP-triggered functions (precheck, plan-full-load, status) share around their own work:
 * the bearer token required before anything runs, and errors as replies — fc-dts errors with their
 * code, message and fix (they name objects, never secrets), anything else as a 500 without its
 * details, which go to the log only.
 */
import { isFcDtsError } from '../errors.ts';
import { ENV } from './deployment.ts';
import { checkBearer, jsonReply, parseHttpEvent, type FcContext, type HttpReply } from './fc-events.ts';

const STATUS: Readonly<Record<string, number>> = { USAGE: 400, TASK_FILE_INVALID: 400, PRECHECK_FAILED: 422, OBJECT_NOT_FOUND: 404, CONNECTION_FAILED: 502, AUTH_FAILED: 502 };

export function errorReply(e: unknown): HttpReply {
  if (isFcDtsError(e)) return jsonReply(STATUS[e.code] ?? 500, { error: { code: e.code, message: e.message, fix: e.fix } });
  console.error(e);
  return jsonReply(500, { error: { code: 'INTERNAL', message: 'internal error (see the function log)' } });
}

/** An FC 3.0 HTTP event handler that runs `work` only for a request with the deployment's bearer token. */
export function authorizedHttp(work: (context: FcContext) => Promise<HttpReply>): (event: unknown, context: FcContext) => Promise<HttpReply> {
  return async (event, context) => {
    const denied = checkBearer(parseHttpEvent(event), process.env[ENV.apiToken]);
    if (denied) return denied;
    try {
      return await work(context);
    } catch (e) {
      return errorReply(e);
    }
  };
}
