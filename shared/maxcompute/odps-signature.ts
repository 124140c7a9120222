/**
 * MaxCompute (ODPS) request signing, v2: `Authorization: ODPS <accessKeyId>:<base64 HMAC-SHA1(secret, canonical)>`.
 *
 * Both sides use this module: the client signs, the stand-in verifies by recomputing the same canonical string.
 * The canonical string is the method, content-md5, content-type, date, the `x-odps-*` headers and query parameters
 * (lower-cased, sorted by name, `name:value`), and the resource: the decoded path relative to the endpoint plus the
 * query parameters sorted by name (`name=value`, or `name` alone when the value is empty), all joined with `\n`.
 * Sources: py odps/accounts.py (BaseAccount._build_canonical_str, CloudAccount.calc_auth_str); java
 * odps-sdk-core account/SecurityUtils.java; PyODPS odps/accounts.py.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface OdpsCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

/** The parts of an HTTP request the signature covers. */
export interface SignableRequest {
  readonly method: string;
  /** Decoded path relative to the endpoint (without the endpoint's own path such as `/api`), e.g. `/projects/p/tables/t`. */
  readonly path: string;
  /** Decoded query parameters; an empty value stands for a bare name (`?uploads`). */
  readonly query: Iterable<readonly [string, string]>;
  /** Request headers; names in any case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

const ODPS_PREFIX = 'x-odps-';

/** The string that is signed. Lines are joined with `\n`; there is no trailing newline. */
export function canonicalString(req: SignableRequest): string {
  const query = [...req.query].map(([k, v]) => [k, v] as const);
  const signed = new Map<string, string>([
    ['content-md5', ''],
    ['content-type', ''],
    ['date', ''],
  ]);
  for (const [name, value] of Object.entries(req.headers)) {
    const key = name.toLowerCase();
    if (value === undefined) continue;
    if (key === 'content-md5' || key === 'content-type' || key === 'date' || key.startsWith(ODPS_PREFIX)) {
      signed.set(key, value);
    }
  }
  for (const [name, value] of query) {
    if (name.startsWith(ODPS_PREFIX)) signed.set(name, value);
  }
  const lines = [req.method.toUpperCase()];
  for (const key of [...signed.keys()].sort(compareCodeUnits)) {
    const value = signed.get(key) ?? '';
    lines.push(key.startsWith(ODPS_PREFIX) ? `${key}:${value}` : value);
  }
  lines.push(canonicalResource(req.path, query));
  return lines.join('\n');
}

/** The resource line: the path, then `?` and the sorted parameters when there are any. */
export function canonicalResource(path: string, query: Iterable<readonly [string, string]>): string {
  // A repeated name keeps its last value, as the SDKs' parameter maps do.
  const params = new Map<string, string>();
  for (const [k, v] of query) params.set(k, v);
  if (params.size === 0) return path;
  const parts = [...params.keys()].sort(compareCodeUnits).map((k) => {
    const v = params.get(k) ?? '';
    return v === '' ? k : `${k}=${v}`;
  });
  return `${path}?${parts.join('&')}`;
}

/** Base64 HMAC-SHA1 of the canonical string with the AccessKey secret. */
export function signCanonical(canonical: string, accessKeySecret: string): string {
  return createHmac('sha1', accessKeySecret).update(canonical, 'utf8').digest('base64');
}

/** The `Authorization` header value for a request. */
export function authorizationHeader(req: SignableRequest, credentials: OdpsCredentials): string {
  return `ODPS ${credentials.accessKeyId}:${signCanonical(canonicalString(req), credentials.accessKeySecret)}`;
}

/** `ODPS <ak>:<signature>` split apart; undefined when the header is not a v2 ODPS authorization. */
export function parseAuthorization(header: string | undefined): { accessKeyId: string; signature: string } | undefined {
  const m = /^ODPS ([^:\s/]+):(\S+)$/.exec(header?.trim() ?? '');
  if (m === null) return undefined;
  return { accessKeyId: m[1]!, signature: m[2]! };
}

export type SignatureCheck =
  | { readonly ok: true; readonly accessKeyId: string }
  | {
      readonly ok: false;
      /** Why: no or malformed header, an unknown AccessKey id, or a different signature. */
      readonly reason: 'missing' | 'malformed' | 'unknown-access-key' | 'mismatch';
      /** The canonical string the signature was checked against (servers echo it to help debugging). */
      readonly canonical: string;
    };

/**
 * Checks a request's `Authorization` header. `secretOf` returns the secret for an AccessKey id, or undefined
 * for an unknown id. The request's `date` header must be the one the client signed.
 */
export function verifyAuthorization(
  req: SignableRequest,
  secretOf: (accessKeyId: string) => string | undefined,
): SignatureCheck {
  const canonical = canonicalString(req);
  const header = headerValue(req.headers, 'authorization');
  if (header === undefined) return { ok: false, reason: 'missing', canonical };
  const parsed = parseAuthorization(header);
  if (parsed === undefined) return { ok: false, reason: 'malformed', canonical };
  const secret = secretOf(parsed.accessKeyId);
  if (secret === undefined) return { ok: false, reason: 'unknown-access-key', canonical };
  const expected = Buffer.from(signCanonical(canonical, secret));
  const given = Buffer.from(parsed.signature);
  const same = expected.length === given.length && timingSafeEqual(expected, given);
  return same ? { ok: true, accessKeyId: parsed.accessKeyId } : { ok: false, reason: 'mismatch', canonical };
}

/**
 * The signable path and query of a URL, relative to an endpoint path such as `/api` (which is not signed).
 * Path and values come out decoded, as the SDKs sign them.
 */
export function signablePathAndQuery(url: URL | string, endpointPath = ''): { path: string; query: Array<[string, string]> } {
  const u = typeof url === 'string' ? new URL(url, 'http://localhost') : url;
  const prefix = endpointPath.replace(/\/+$/, '');
  let path = decodeURIComponent(u.pathname);
  if (prefix !== '' && (path === prefix || path.startsWith(`${prefix}/`))) path = path.slice(prefix.length) || '/';
  return { path, query: [...u.searchParams.entries()] };
}

/** RFC 1123 date as the `Date` header carries it, e.g. `Tue, 13 May 2014 09:22:20 GMT`. */
export function httpDate(at: Date = new Date()): string {
  return at.toUTCString();
}

function headerValue(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

// The SDKs sort with Java's String.compareTo / Python's str ordering: by code unit, not by locale.
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
