/** plan-full-load (HTTP, bearer token): precheck and schema once, the chunk plan, one load-chunk message per chunk not done. */
import middy from '@middy/core';
import { jsonReply, type FcContext, type HttpReply } from '../../shared/distributed/fc-events.ts';
import { planFullLoadFanOut } from '../../shared/distributed/full-load-fanout.ts';
import { httpFunction } from '../../shared/distributed/http-function.ts';
import { runtime } from '../../shared/distributed/runtime.ts';

export const handler = middy(async (_event: unknown, context: FcContext): Promise<HttpReply> => {
  const rt = await runtime(context.credentials);
  return jsonReply(200, await planFullLoadFanOut(rt.task, rt.store, rt.chunkQueue, (line) => console.log(line)));
}).use(httpFunction());
