/** status (HTTP, bearer token): what `fc-dts status --json` shows, and the messages still in the change queue. */
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
    const [status, queued] = await Promise.all([readTaskStatus(rt.task.name, rt.store), rt.queue.pending()]);
    // The reader's figures count changes sent; what waits in the change queue is not applied yet.
    return jsonReply(200, { ...status, changeQueue: { name: rt.deployment.mns.queue, pending: queued } });
  } catch (e) {
    return errorReply(e);
  }
});
