/** apply-changes (MNS queue trigger, one deployment per destination): the messages' batches applied to the destination. */
import middy from '@middy/core';
import { applyMessages, type ApplyReport } from '../../shared/distributed/apply-messages.ts';
import { parseMnsTriggerEvent } from '../../shared/distributed/fc-events.ts';
import { invocationDeadline, type DeadlineContext } from '../../shared/distributed/middleware/invocation-deadline.ts';
import { runtime } from '../../shared/distributed/runtime.ts';

export const handler = middy(async (event: unknown, context: DeadlineContext): Promise<ApplyReport> => {
  const messages = parseMnsTriggerEvent(event);
  const rt = await runtime(context.credentials);
  return applyMessages(messages, {
    task: rt.task,
    sink: await rt.sink(),
    queue: rt.queue,
    store: rt.store,
    remainingMs: context.remainingMs,
    log: (line) => console.log(line),
  });
}).use(invocationDeadline());
