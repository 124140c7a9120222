/** load-chunk (MNS queue trigger on the chunk queue): each message's chunk loaded into the destination. */
import middy from '@middy/core';
import { decodeChunkWork, loadChunkWork } from '../../shared/distributed/full-load-fanout.ts';
import { parseMnsTriggerEvent, type FcContext } from '../../shared/distributed/fc-events.ts';
import { runtime } from '../../shared/distributed/runtime.ts';
import { resolveTask } from '../../shared/pipeline/standalone-runner.ts';

export const handler = middy(async (event: unknown, context: FcContext): Promise<{ rows: number; fullDone: boolean }> => {
  const rt = await runtime(context.credentials);
  const dbs = await resolveTask(rt.task);
  let rows = 0;
  let fullDone = false;
  for (const m of parseMnsTriggerEvent(event)) {
    const r = await loadChunkWork(rt.task, dbs, rt.store, decodeChunkWork(m.body), (line) => console.log(line));
    rows += r.rows;
    fullDone ||= r.fullDone;
  }
  return { rows, fullDone };
});
