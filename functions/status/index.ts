/** status (HTTP, bearer token): phase, per-table progress, lag, last error — what `fc-dts status --json` shows. */
import middy from '@middy/core';
import { ENV } from '../../shared/distributed/deployment.ts';
import { checkBearer, jsonReply, parseHttpEvent, type FcContext, type HttpReply } from '../../shared/distributed/fc-events.ts';
import { errorReply } from '../../shared/distributed/http-errors.ts';
import { runtime } from '../../shared/distributed/runtime.ts';
import { readTaskStatus } from '../../shared/pipeline/task-status.ts';

export const handler = middy(async (event: unknown, context: FcContext): Promise<HttpReply> => {
  const denied = checkBearer(parseHttpEvent(event), process.env[ENV.apiToken]);
  if (denied) return denied;
  try {
    const rt = await runtime(context.credentials);
    return jsonReply(200, await readTaskStatus(rt.task.name, rt.store));
  } catch (e) {
    return errorReply(e);
  }
});
