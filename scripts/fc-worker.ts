/**
 * One local stand-in for a Function Compute function instance, run as its own process by the local
 * distributed run (scripts/distributed.ts): it polls the function's MNS queue as the queue trigger
 * would, invokes the real handler with the trigger's CloudEvents payload and an FC-shaped context,
 * and deletes the messages only when the handler returns (a failed or killed invocation leaves them
 * to be delivered again after the visibility timeout, as with the real trigger).
 *
 * node --import tsx scripts/fc-worker.ts --function apply-changes|load-chunk --queue NAME [--batch 16]
 * Environment: what shared/distributed/deployment.ts reads.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { mnsTriggerEvent, type FcContext } from '../shared/distributed/fc-events.ts';
import { ENV } from '../shared/distributed/deployment.ts';
import { MnsChangeQueue } from '../shared/queue/mns-change-queue.ts';
import { loadHandler } from './lib/function-handler.ts';

const { values } = parseArgs({ options: { function: { type: 'string' }, queue: { type: 'string' }, batch: { type: 'string', default: '16' }, timeout: { type: 'string', default: '600' } } });
const name = values.function;
const queueName = values.queue;
if (!name || !queueName) {
  console.error('usage: fc-worker --function NAME --queue QUEUE');
  process.exit(2);
}
const env = process.env;
const handler = await loadHandler<unknown>(name);
const queue = new MnsChangeQueue({
  endpoint: env[ENV.mnsEndpoint]!,
  accountId: env[ENV.mnsAccountId]!,
  accessKeyId: env[ENV.accessKeyId]!,
  accessKeySecret: env[ENV.accessKeySecret]!,
  queue: queueName,
});

let stopping = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => (stopping = true));

while (!stopping) {
  const messages = await queue.receive(Number(values.batch), 1);
  if (messages.length === 0) continue;
  const context: FcContext = {
    requestId: randomUUID(),
    credentials: { accessKeyId: env[ENV.accessKeyId]!, accessKeySecret: env[ENV.accessKeySecret]! },
    function: { name, timeout: Number(values.timeout), memory: 1024 },
    region: 'local',
    accountId: env[ENV.mnsAccountId]!,
  };
  try {
    const result = await handler(mnsTriggerEvent(queueName, 'local', messages), context);
    for (const m of messages) await queue.delete(m.receiptHandle);
    if (env.FC_DTS_WORKER_VERBOSE) console.log(`${name}: ${JSON.stringify(result)}`);
  } catch (e) {
    console.error(`${name}: invocation failed, its ${messages.length} message(s) will be delivered again: ${(e as Error).message}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
