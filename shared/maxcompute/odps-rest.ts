/**
 * Signed HTTP calls to a MaxCompute endpoint (the service's `…/api` or a tunnel endpoint) over Node's fetch:
 * sets `Date`, signs (odps-signature.ts), turns error responses into MaxComputeError, and retries what is safe
 * to retry — idempotent calls on 5xx, throttling and dropped connections, and any call the connection refused
 * (nothing was sent) — within a bounded number of attempts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MaxComputeError, parseErrorBody } from './maxcompute-errors.ts';
import { authorizationHeader, httpDate, type OdpsCredentials } from './odps-signature.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';

/** A request body: bytes or text, or a factory of a byte stream (called again for each attempt). */
export type OdpsBody = string | Uint8Array | (() => AsyncIterable<Uint8Array>);

export interface OdpsRequest {
  readonly method: HttpMethod;
  /** Unencoded path relative to the endpoint, e.g. `/projects/p/tables/t`. */
  readonly path: string;
  /** Query parameters in order; an empty value is sent as a bare name (`?uploads`). */
  readonly query?: ReadonlyArray<readonly [string, string]>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: OdpsBody;
  /** Safe to repeat after a failure whose outcome is unknown. Default: GET, HEAD and DELETE. */
  readonly idempotent?: boolean;
  /** The object, for messages: `project p`, `table p.t`, `instance 2026…`. */
  readonly what: string;
  /** Another endpoint signed with the same credentials (the tunnel's). Default: the client's endpoint. */
  readonly endpoint?: string;
  /** This request's limit until the response headers arrive (so including a streamed upload). Default: the client's. */
  readonly timeoutMs?: number;
}

export interface OdpsResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

export interface OdpsStreamResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: AsyncIterable<Uint8Array>;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. Default 4. */
  readonly attempts?: number;
  /** Delay before the first retry; doubled each time up to maxDelayMs. Default 200 ms. */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface OdpsRestOptions {
  /** The service endpoint with its path, e.g. `https://service.cn-hangzhou.maxcompute.aliyun.com/api`. */
  readonly endpoint: string;
  readonly credentials: OdpsCredentials;
  readonly retry?: RetryPolicy;
  /** Per-attempt limit until the response headers arrive (and, for buffered calls, the body). Default 120 s. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

/** Connection failures that mean the request never left: retrying cannot repeat an effect. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export class OdpsRestClient {
  readonly endpoint: string;
  private readonly credentials: OdpsCredentials;
  private readonly attempts: number;
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(options: OdpsRestOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.attempts = Math.max(1, options.retry?.attempts ?? 4);
    this.firstDelayMs = options.retry?.firstDelayMs ?? 200;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 5_000;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.userAgent = options.userAgent ?? 'fc-dts';
  }

  /** Sends a request and reads the whole response; a status ≥ 400 throws MaxComputeError. */
  async request(req: OdpsRequest): Promise<OdpsResponse> {
    return this.withRetries(req, async (res) => ({
      status: res.status,
      headers: res.headers,
      body: Buffer.from(await res.arrayBuffer()),
    }));
  }

  /** Sends a request and hands back the response body as a stream (e.g. a download); retries end once it starts. */
  async stream(req: OdpsRequest): Promise<OdpsStreamResponse> {
    return this.withRetries(req, async (res) => ({
      status: res.status,
      headers: res.headers,
      body: (res.body ?? emptyStream()) as unknown as AsyncIterable<Uint8Array>,
    }));
  }

  private async withRetries<T>(req: OdpsRequest, read: (res: Response) => Promise<T>): Promise<T> {
    const idempotent = req.idempotent ?? (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE');
    for (let attempt = 1; ; attempt++) {
      let failure: MaxComputeError;
      let retryable: boolean;
      // The timer stops once `read` has what it needs: a streamed download may then take as long as it takes.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new DOMException('request timed out', 'TimeoutError')), req.timeoutMs ?? this.timeoutMs);
      try {
        const res = await this.send(req, deadline.signal);
        if (res.status < 400) return await read(res);
        failure = await errorOf(req, res);
        retryable = idempotent && failure.transient;
      } catch (e) {
        if (e instanceof MaxComputeError) throw e;
        const code = networkCode(e);
        failure = new MaxComputeError({ what: req.what, serviceMessage: `${code ?? 'request failed'}: ${describe(e)}`, cause: e });
        retryable = idempotent || (code !== undefined && NOT_SENT.has(code));
      } finally {
        clearTimeout(timer);
      }
      if (!retryable || attempt >= this.attempts) throw failure;
      await sleep(Math.min(this.maxDelayMs, this.firstDelayMs * 2 ** (attempt - 1)));
    }
  }

  private async send(req: OdpsRequest, signal: AbortSignal): Promise<Response> {
    const base = (req.endpoint ?? this.endpoint).replace(/\/+$/, '');
    const url = new URL(base + encodePath(req.path) + encodeQuery(req.query ?? []));
    const headers: Record<string, string> = {
      ...req.headers,
      Date: httpDate(),
      'x-odps-user-agent': this.userAgent,
    };
    const body = typeof req.body === 'function' ? req.body() : req.body;
    headers.Authorization = authorizationHeader(
      { method: req.method, path: req.path, query: req.query ?? [], headers },
      this.credentials,
    );
    const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers, body: body as RequestInit['body'], signal, redirect: 'manual' };
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) init.duplex = 'half';
    return fetch(url, init);
  }
}

async function errorOf(req: OdpsRequest, res: Response): Promise<MaxComputeError> {
  const text = await res.text().catch(() => '');
  const parsed = parseErrorBody(text);
  return new MaxComputeError({
    what: req.what,
    serviceCode: parsed.code,
    httpStatus: res.status,
    requestId: res.headers.get('x-odps-request-id') ?? parsed.requestId,
    serviceMessage: parsed.message || res.statusText,
  });
}

/** Each path segment percent-encoded; the signature covers the decoded form, so this only has to be valid. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

export function encodeQuery(query: ReadonlyArray<readonly [string, string]>): string {
  if (query.length === 0) return '';
  const parts = query.map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`));
  return `?${parts.join('&')}`;
}

function networkCode(e: unknown): string | undefined {
  for (let at: unknown = e, depth = 0; at !== null && typeof at === 'object' && depth < 4; depth++) {
    const { code, name } = at as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (name === 'TimeoutError' || name === 'AbortError') return 'ETIMEDOUT';
    at = (at as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(e: unknown): string {
  const cause = (e as { cause?: { message?: unknown } } | undefined)?.cause?.message;
  const message = e instanceof Error ? e.message : String(e);
  return typeof cause === 'string' && cause !== message ? `${message} (${cause})` : message;
}

async function* emptyStream(): AsyncGenerator<Uint8Array> {}
