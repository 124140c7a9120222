/**
 * One invocation of an HTTP-triggered function in a process of its own (a fresh FC instance): builds
 * the FC 3.0 HTTP event, calls the real handler, prints its reply as one JSON line.
 *
 * node --import tsx scripts/fc-invoke.ts --function precheck|plan-full-load|status [--token T] [--method POST]
 * Environment: what shared/distributed/deployment.ts reads.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { HttpReply } from '../shared/distributed/fc-events.ts';
import { loadHandler } from './lib/function-handler.ts';

const { values } = parseArgs({ options: { function: { type: 'string' }, token: { type: 'string' }, method: { type: 'string', default: 'POST' } } });
const name = values.function;
if (!name) {
  console.error('usage: fc-invoke --function NAME [--token T]');
  process.exit(2);
}
const handler = await loadHandler<HttpReply>(name);
const requestId = randomUUID();
const event = {
  version: 'v1', rawPath: `/${name}`, body: '', isBase64Encoded: false,
  headers: values.token ? { authorization: `Bearer ${values.token}` } : {}, queryParameters: {},
  requestContext: { http: { method: values.method, path: `/${name}` }, requestId },
};
// Handlers log to stdout as on FC; the reply goes last, on a line of its own.
const reply = await handler(Buffer.from(JSON.stringify(event)), { requestId, function: { name, timeout: 600 } });
process.stdout.write(`\n${JSON.stringify(reply)}\n`);
