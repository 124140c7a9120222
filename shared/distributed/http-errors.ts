/**
 * An error as an HTTP function's reply: fc-dts errors with their code, message and fix (they name
 * objects, never secrets); anything else as a 500 without its details, which go to the log only.
 */
import { isFcDtsError } from '../errors.ts';
import { jsonReply, type HttpReply } from './fc-events.ts';

const STATUS: Readonly<Record<string, number>> = { USAGE: 400, TASK_FILE_INVALID: 400, PRECHECK_FAILED: 422, OBJECT_NOT_FOUND: 404, CONNECTION_FAILED: 502, AUTH_FAILED: 502 };

export function errorReply(e: unknown): HttpReply {
  if (isFcDtsError(e)) return jsonReply(STATUS[e.code] ?? 500, { error: { code: e.code, message: e.message, fix: e.fix } });
  console.error(e);
  return jsonReply(500, { error: { code: 'INTERNAL', message: 'internal error (see the function log)' } });
}
