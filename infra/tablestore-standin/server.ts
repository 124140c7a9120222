/**
 * The HTTP face of the stand-in: `POST /<Operation>` with a protobuf body, authenticated as the service does
 * it, answered with the service's headers.
 *
 * Request signature (SDK lib/signer.js): x-ots-signature = base64(HMAC-SHA1(secret,
 *   path + "\nPOST\n\n" + sorted lowercase "name:value" lines of the x-ots-* headers but the signature + "\n")).
 * Response signature (Python SDK tablestore/protocol.py, which checks it): Authorization = "OTS " + accessKeyId
 *   + ":" + base64(HMAC-SHA1(secret, sorted "name:value" lines of the x-ots-* response headers + "\n" + path)).
 * Errors are the protobuf Error{code, message} with the error's HTTP status.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { authFailed, OtsError, parameterInvalid, serviceError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { encode, messages } from './proto.ts';

/** An operation as the server runs it: the request body in, the response body out (maybe later). */
export type ServedOperation = (body: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export interface ServerOptions {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly instance: string;
  readonly operations: Readonly<Record<string, ServedOperation>>;
  /**
   * A request for `/<operation>` arrived; the returned function is called once, when its answer is sent,
   * with the answer's HTTP status (0 when the connection went away unanswered).
   */
  readonly onRequest?: (operation: string) => (status: number) => void;
}

const REQUIRED_HEADERS = [
  'x-ots-date',
  'x-ots-apiversion',
  'x-ots-accesskeyid',
  'x-ots-instancename',
  'x-ots-contentmd5',
  'x-ots-signature',
] as const;

export function createStandInServer(options: ServerOptions): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const done = options.onRequest?.(path.slice(1));
    // 'close' always fires, after 'finish' when the answer was sent.
    if (done) res.once('close', () => done(res.writableFinished ? res.statusCode : 0));
    const chunks: Buffer[] = [];
    let length = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > LIMITS.requestBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      const answer = (status: number, body: Uint8Array, signResponse: boolean) => respond(res, options, path, status, body, signResponse);
      const fail = (e: unknown) => {
        const error = e instanceof OtsError ? e : serviceError('OTSInternalServerError');
        if (!(e instanceof OtsError)) console.error('[tablestore-standin]', e);
        // A caller that failed authentication gets no signed answer.
        answer(error.httpStatus, encode(messages.Error, { code: error.code, message: error.message }), error.code !== 'OTSAuthFailed');
      };
      try {
        if (tooLarge) throw serviceError('OTSRequestBodyTooLarge');
        const body = handle(options, req, path, Buffer.concat(chunks));
        if (body instanceof Uint8Array) answer(200, body, true);
        else body.then((b) => answer(200, b, true), fail);
      } catch (e) {
        fail(e);
      }
    });
  });
}

function handle(options: ServerOptions, req: http.IncomingMessage, path: string, body: Buffer): Uint8Array | Promise<Uint8Array> {
  if (req.method !== 'POST') {
    throw serviceError('OTSMethodNotAllowed');
  }
  const operation = path.slice(1);
  const handler = Object.hasOwn(options.operations, operation) ? options.operations[operation] : undefined;
  if (!handler) throw parameterInvalid(`Unsupported operation: ${operation}.`);
  authenticate(options, req, path, body);
  return handler(body);
}

function authenticate(options: ServerOptions, req: http.IncomingMessage, path: string, body: Buffer): void {
  const headers = req.headers;
  for (const name of REQUIRED_HEADERS) {
    if (typeof headers[name] !== 'string') throw parameterInvalid(`Missing header: ${name}.`);
  }
  const date = headers['x-ots-date'] as string;
  const time = Date.parse(date);
  if (Number.isNaN(time)) throw parameterInvalid(`Invalid date format: ${date}.`);
  if (headers['x-ots-accesskeyid'] !== options.accessKeyId) throw authFailed('The AccessKeyID does not exist.');
  if (headers['x-ots-instancename'] !== options.instance) throw authFailed('The instance is not found.');
  const expected = sign(options.accessKeySecret, `${path}\nPOST\n\n${canonicalHeaders(headers)}\n`);
  if (!sameText(expected, headers['x-ots-signature'] as string)) throw serviceError('OTSAuthFailed');
  if (Math.abs(Date.now() - time) > LIMITS.clockSkewMs) {
    throw authFailed(`Mismatch between system time and x-ots-date: ${date}.`);
  }
  const md5 = createHash('md5').update(body).digest('base64');
  if (md5 !== headers['x-ots-contentmd5']) {
    throw authFailed('Mismatch between MD5 value of request body and x-ots-contentmd5 in header.');
  }
}

function respond(
  res: http.ServerResponse,
  options: ServerOptions,
  path: string,
  status: number,
  body: Uint8Array,
  signResponse: boolean,
): void {
  if (res.destroyed) return; // the stand-in closed while the answer was held back
  const headers: Record<string, string> = {
    'x-ots-contentmd5': createHash('md5').update(body).digest('base64'),
    'x-ots-requestid': randomUUID(),
    'x-ots-date': new Date().toISOString(),
    'x-ots-contenttype': 'protocol buffer',
  };
  if (signResponse) {
    const signature = sign(options.accessKeySecret, `${canonicalHeaders(headers)}\n${path}`);
    headers['authorization'] = `OTS ${options.accessKeyId}:${signature}`;
  }
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}

/** The sorted "name:value" lines of the x-ots-* headers, the signature itself excluded. */
function canonicalHeaders(headers: http.IncomingHttpHeaders | Record<string, string>): string {
  return Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(',') : String(value ?? '')] as const)
    .filter(([name]) => name.startsWith('x-ots-') && name !== 'x-ots-signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value.trim()}`)
    .join('\n');
}

function sign(secret: string, text: string): string {
  return createHmac('sha1', secret).update(text, 'utf8').digest('base64');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
