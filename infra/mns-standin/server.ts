/**
 * The HTTP side of the stand-in: reads a request, checks its signature, routes it to a queue
 * operation by method and path, and answers with the operation's reply or the MNS error document.
 * Every response carries x-mns-request-id and x-mns-version, as the service's do.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { MnsError } from './mns-error.ts';
import { node, renderDocument } from './mns-xml.ts';
import { QueueOperations, type MnsReply, type MnsRequest } from './operations.ts';
import type { QueueStore } from './queue-store.ts';
import { MNS_API_VERSION, verifyRequest, type Credentials } from './signature.ts';

export interface MnsServerOptions {
  readonly store: QueueStore;
  readonly credentials: Credentials;
  /** The endpoint clients use, known once the server listens (QueueURL, Location, HostId). */
  readonly endpoint: () => string;
}

/** Far above any valid request (a batch is at most 64 KB of bodies); a guard, not an MNS limit. */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export function createMnsServer(options: MnsServerOptions): Server {
  const operations = new QueueOperations(options.store, options.endpoint);
  const server = createServer((req, res) => {
    void handle(req, res, options, operations);
  });
  // The npm client keeps connections alive (httpx's agent); idle ones may stay open a while.
  server.keepAliveTimeout = 60_000;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, options: MnsServerOptions, operations: QueueOperations): Promise<void> {
  const requestId = randomBytes(12).toString('hex').toUpperCase();
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  let reply: MnsReply;
  try {
    const body = await readBody(req);
    const target = req.url ?? '/';
    const method = req.method ?? 'GET';
    verifyRequest({ method, target, headers: req.headers, body }, options.credentials);
    const [path = '', queryString = ''] = splitTarget(target);
    const request: MnsRequest = {
      method,
      query: parseQuery(queryString),
      headers: req.headers,
      body: body.toString('utf8'),
      signal: abort.signal,
    };
    reply = await route(operations, request, path);
  } catch (e) {
    reply = errorReply(e, requestId, options.endpoint());
  }
  if (res.destroyed) return;
  const headers: Record<string, string | number> = {
    'x-mns-request-id': requestId,
    'x-mns-version': MNS_API_VERSION,
    Date: new Date().toUTCString(),
    ...reply.headers,
  };
  if (reply.body !== undefined) {
    headers['Content-Type'] = 'text/xml;charset=utf-8';
    headers['Content-Length'] = Buffer.byteLength(reply.body);
  }
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

function route(ops: QueueOperations, request: MnsRequest, path: string): Promise<MnsReply> | MnsReply {
  const segments = path.split('/').slice(1).map(decodeSegment);
  const [collection, name, sub, ...rest] = segments;
  if (collection === 'queues' && rest.length === 0) {
    const m = request.method;
    if (name === undefined || name === '') {
      if (m === 'GET') return ops.listQueue(request);
    } else if (sub === undefined) {
      if (m === 'PUT') return ops.putQueue(request, name);
      if (m === 'GET') return ops.getQueueAttributes(name);
      if (m === 'DELETE') return ops.deleteQueue(name);
    } else if (sub === 'messages') {
      if (m === 'POST') return ops.sendMessage(request, name);
      if (m === 'GET') return ops.getMessages(request, name);
      if (m === 'DELETE') return ops.deleteMessages(request, name);
      if (m === 'PUT') return ops.changeMessageVisibility(request, name);
    }
  }
  throw new MnsError('InvalidRequestURL', `Http request URL format invalid (the MNS stand-in serves queues only): ${request.method} ${path}`);
}

function errorReply(e: unknown, requestId: string, hostId: string): MnsReply {
  const error = e instanceof MnsError ? e : new MnsError('InternalError', `Internal error: ${e instanceof Error ? e.message : String(e)}`);
  if (!(e instanceof MnsError)) console.error('[mns-standin]', e);
  return {
    status: error.status,
    body: renderDocument('Error', [
      node('Code', error.code),
      node('Message', error.message),
      node('RequestId', requestId),
      node('HostId', hostId),
    ]),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size <= MAX_REQUEST_BYTES) chunks.push(b);
  }
  if (size > MAX_REQUEST_BYTES) {
    throw new MnsError('InvalidArgument', `The request body is larger than ${MAX_REQUEST_BYTES} bytes.`);
  }
  return Buffer.concat(chunks);
}

function splitTarget(target: string): [string, string] {
  const q = target.indexOf('?');
  return q < 0 ? [target, ''] : [target.slice(0, q), target.slice(q + 1)];
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new MnsError('InvalidRequestURL', 'Http request URL format invalid.');
  }
}

/** Names in lower case; values percent-decoded, '+' kept (receipt handles may contain it). */
function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      out.set(decodeURIComponent(name).toLowerCase(), decodeURIComponent(value));
    } catch {
      throw new MnsError('InvalidQueryString', `Http request URL contains invalid querystring item "${pair}".`);
    }
  }
  return out;
}
