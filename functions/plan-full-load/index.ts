/** plan-full-load (HTTP, bearer token): precheck and schema once, the chunk plan, one load-chunk message per chunk not done. */
import middy from '@middy/core';
import { ENV } from '../../shared/distributed/deployment.ts';
import { checkBearer, jsonReply, parseHttpEvent, type FcContext, type HttpReply } from '../../shared/distributed/fc-events.ts';
import { planFullLoadFanOut } from '../../shared/distributed/full-load-fanout.ts';
import { errorReply } from '../../shared/distributed/http-errors.ts';
import { runtime } from '../../shared/distributed/runtime.ts';

export const handler = middy(async (event: unknown, context: FcContext): Promise<HttpReply> => {
  const denied = checkBearer(parseHttpEvent(event), process.env[ENV.apiToken]);
  if (denied) return denied;
  try {
    const rt = await runtime(context.credentials);
    return jsonReply(200, await planFullLoadFanOut(rt.task, rt.store, rt.chunkQueue, (line) => console.log(line)));
  } catch (e) {
    return errorReply(e);
  }
});
