/**
 * Request authentication as MNS does it ("Sign requests" in the API reference; the npm client's
 * `sign` and `buildHeaders` in lib/client.js):
 *
 *   Authorization: MNS <AccessKeyId>:base64(HMAC-SHA1(secret,
 *     VERB + "\n" + Content-MD5 + "\n" + Content-Type + "\n" + Date + "\n"
 *     + the x-mns-* headers, lower-case, sorted, one "name:value\n" each
 *     + the request target as sent: path and query, nothing decoded))
 *
 * The request target is taken raw because clients differ in what they escape: the npm client puts
 * receipt handles into the URL unencoded, the Go SDK query-escapes them; each signs what it sends.
 * An STS `security-token` header is accepted and not checked (the stand-in has no STS).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { MnsError } from './mns-error.ts';
import { MAX_CLOCK_SKEW_MS } from './limits.ts';

export const MNS_API_VERSION = '2015-06-06';

export interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

export interface SignedRequest {
  readonly method: string;
  /** Path and query exactly as on the request line. */
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const AUTHORIZATION = /^MNS ([^:\s]+):(\S+)$/;

/** Throws the MnsError the service would answer with when `request` is not properly signed by `credentials`. */
export function verifyRequest(request: SignedRequest, credentials: Credentials, now = Date.now()): void {
  const version = header(request.headers, 'x-mns-version');
  if (version === undefined) throw new MnsError('MissingVersionHeader', 'x-mns-version header is required.');
  if (version !== MNS_API_VERSION) throw new MnsError('InvalidVersionHeader', 'The x-mns-version header is invalid.');

  const date = header(request.headers, 'date');
  if (date === undefined) throw new MnsError('MissingDateHeader', 'Date header is required.');
  const sentAt = Date.parse(date);
  if (!HTTP_DATE.test(date) || Number.isNaN(sentAt)) {
    throw new MnsError('InvalidDateHeader', 'The Date header format is invalid.');
  }
  if (Math.abs(now - sentAt) > MAX_CLOCK_SKEW_MS) {
    throw new MnsError('TimeExpired', 'The http request you sent is expired.');
  }

  const authorization = header(request.headers, 'authorization');
  if (authorization === undefined) throw new MnsError('MissingAuthorizationHeader', 'Authorization header is required.');
  const m = AUTHORIZATION.exec(authorization);
  if (!m) throw new MnsError('InvalidAuthorizationHeader', 'The Authorization header format is invalid.');
  const [, accessKeyId = '', given = ''] = m;
  if (accessKeyId !== credentials.accessKeyId) {
    throw new MnsError('InvalidAccessKeyId', 'The AccessKey Id you provided is not exist.');
  }
  const expected = sign(credentials.accessKeySecret, stringToSign(request));
  if (!sameText(given, expected)) {
    throw new MnsError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }

  // The hex digits inside may be in either case.
  const md5 = header(request.headers, 'content-md5');
  if (md5 !== undefined && Buffer.from(md5, 'base64').toString('latin1').toLowerCase() !== hexMd5(request.body)) {
    throw new MnsError('InvalidDegist', 'The Content-MD5 you specified is invalid.');
  }
}

export function stringToSign(request: Omit<SignedRequest, 'body'>): string {
  const h = request.headers;
  const mnsHeaders = Object.keys(h)
    .filter((name) => name.startsWith('x-mns-'))
    .sort()
    .map((name) => `${name}:${header(h, name) ?? ''}\n`)
    .join('');
  const md5 = header(h, 'content-md5') ?? '';
  const type = header(h, 'content-type') ?? '';
  const date = header(h, 'date') ?? '';
  return `${request.method}\n${md5}\n${type}\n${date}\n${mnsHeaders}${request.target}`;
}

export function sign(secret: string, text: string): string {
  return createHmac('sha1', secret).update(text, 'utf8').digest('base64');
}

/**
 * Content-MD5 as the MNS SDKs compute it: base64 of the *hex text* of the MD5 (lib/client.js
 * `buildHeaders`), not base64 of the 16 digest bytes as RFC 1864 has it.
 */
export function contentMd5(body: Buffer): string {
  return Buffer.from(hexMd5(body), 'utf8').toString('base64');
}

function hexMd5(body: Buffer): string {
  return createHash('md5').update(body).digest('hex');
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
