/** precheck (HTTP, bearer token): every check of the source, the destination and the task, as JSON. */
import middy from '@middy/core';
import { jsonReply, type FcContext, type HttpReply } from '../../shared/distributed/fc-events.ts';
import { httpFunction } from '../../shared/distributed/http-function.ts';
import { runtime } from '../../shared/distributed/runtime.ts';
import { runPrecheck } from '../../shared/precheck/precheck.ts';

export const handler = middy(async (_event: unknown, context: FcContext): Promise<HttpReply> => {
  const rt = await runtime(context.credentials);
  const state = await rt.store.getTaskState();
  const report = await runPrecheck(rt.task, { ownedTables: new Set(state?.ownedTables ?? []) });
  return jsonReply(report.ok ? 200 : 422, report);
}).use(httpFunction());
