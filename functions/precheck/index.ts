/** precheck (HTTP, bearer token): every check of the source, the destination and the task, as JSON. */
import middy from '@middy/core';
import { ENV } from '../../shared/distributed/deployment.ts';
import { checkBearer, jsonReply, parseHttpEvent, type FcContext, type HttpReply } from '../../shared/distributed/fc-events.ts';
import { errorReply } from '../../shared/distributed/http-errors.ts';
import { runtime } from '../../shared/distributed/runtime.ts';
import { runPrecheck } from '../../shared/precheck/precheck.ts';

export const handler = middy(async (event: unknown, context: FcContext): Promise<HttpReply> => {
  const denied = checkBearer(parseHttpEvent(event), process.env[ENV.apiToken]);
  if (denied) return denied;
  try {
    const rt = await runtime(context.credentials);
    const state = await rt.store.getTaskState();
    const report = await runPrecheck(rt.task, { ownedTables: new Set(state?.ownedTables ?? []) });
    return jsonReply(report.ok ? 200 : 422, report);
  } catch (e) {
    return errorReply(e);
  }
});
