/** apply-changes (MNS queue trigger, one deployment per destination): the messages' batches applied to the destination (DESIGN §3). */
import middy from '@middy/core';
import { applyMessages, type ApplyReport } from '../../shared/distributed/apply-messages.ts';
import { parseMnsTriggerEvent, type FcContext } from '../../shared/distributed/fc-events.ts';
import { runtime } from '../../shared/distributed/runtime.ts';

export const handler = middy(async (event: unknown, context: FcContext): Promise<ApplyReport> => {
  const started = Date.now();
  const messages = parseMnsTriggerEvent(event);
  const rt = await runtime(context.credentials);
  return applyMessages(messages, {
    task: rt.task,
    sink: await rt.sink(),
    queue: rt.queue,
    store: rt.store,
    remainingMs: () => (context.function?.timeout ?? 600) * 1000 - (Date.now() - started),
    log: (line) => console.log(line),
  });
});
