/** status (HTTP, bearer token): what `fc-dts status --json` shows, and the messages still in the change queue. */
import middy from '@middy/core';
import { jsonReply, type FcContext, type HttpReply } from '../../shared/distributed/fc-events.ts';
import { httpFunction } from '../../shared/distributed/http-function.ts';
import { runtime } from '../../shared/distributed/runtime.ts';
import { readTaskStatus } from '../../shared/pipeline/task-status.ts';

export const handler = middy(async (_event: unknown, context: FcContext): Promise<HttpReply> => {
  const rt = await runtime(context.credentials);
  const [status, queued] = await Promise.all([readTaskStatus(rt.task, rt.store), rt.queue.pending()]);
  // The reader's figures count changes sent; what waits in the change queue is not applied yet.
  return jsonReply(200, { ...status, changeQueue: { name: rt.deployment.mns.queue, pending: queued } });
}).use(httpFunction());
