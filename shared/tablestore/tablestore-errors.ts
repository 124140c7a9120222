/**
 * What a failed `tablestore` 5.6.5 call means, and retrying the ones worth retrying.
 *
 * The SDK mis-parses service errors (lib/client.js extractError): `err.code` is the HTTP status and the OTS
 * error name sits inside `err.message`, which is the raw protobuf `Error{code, message}` body plus
 * " requestId:<id>". Its own retry rules compare `err.code` with error names, so they never fire for
 * service errors, and writes are never retried at all (lib/retry/retry_util.js only repeats read APIs on
 * NetworkingError / 5xx). Hence: classify here, retry here (docs/protocols.md §2.5).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Errors the service documents as temporary: the same request may succeed later. */
const TRANSIENT_NAMES = new Set([
  'OTSServerBusy',
  'OTSTimeout',
  'OTSInternalServerError',
  'OTSServerUnavailable',
  'OTSPartitionUnavailable',
  'OTSRowOperationConflict',
  'OTSTableNotReady',
  'OTSNotEnoughCapacityUnit',
  'OTSOperationThrottled',
]);

/**
 * Refusals the service makes before doing anything (throttling, a partition or table not yet loaded): a
 * write refused this way certainly did not happen. Every other transient failure may have happened.
 */
const REFUSED_NAMES = new Set([
  'OTSServerBusy',
  'OTSPartitionUnavailable',
  'OTSRowOperationConflict',
  'OTSTableNotReady',
  'OTSNotEnoughCapacityUnit',
  'OTSOperationThrottled',
  'OTSQuotaExhausted',
]);

/** Node socket errors worth another attempt (the SDK reports them all as code 'NetworkingError'). */
const NETWORK = /\b(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ECONNABORTED|ENETUNREACH|EHOSTUNREACH|EAI_AGAIN)\b|socket hang up/;
/** Network failures that happen before the request leaves: nothing was sent. */
const NOT_SENT = /\b(ECONNREFUSED|ENETUNREACH|EHOSTUNREACH|EAI_AGAIN)\b/;

export interface OtsFailure {
  /** The OTS error name (OTSConditionCheckFail, …) when the service answered with one. */
  readonly name: string | undefined;
  /** The HTTP status when the service answered. */
  readonly status: number | undefined;
  /** A readable one-line description (error name, the service's message, request id). */
  readonly description: string;
  /** Worth retrying: the service or the network may do better later. */
  readonly transient: boolean;
  /** A write that failed this way may nevertheless have been applied. */
  readonly maybeApplied: boolean;
  /** No answer from the service at all (connection, DNS, timeout). */
  readonly network: boolean;
}

export function classifyOtsError(e: unknown): OtsFailure {
  const err = (typeof e === 'object' && e !== null ? e : {}) as { code?: unknown; message?: unknown };
  const message = typeof err.message === 'string' ? err.message : String(e);
  const status = typeof err.code === 'number' ? err.code : undefined;
  const code = typeof err.code === 'string' ? err.code : undefined;
  // An XML error body (a proxy or gateway in front of the service) would put the name itself in `code`.
  const name = status !== undefined ? /OTS[A-Za-z]+/.exec(message)?.[0] : code?.startsWith('OTS') ? code : undefined;

  if (name !== undefined) {
    const throttledTableOps = name === 'OTSQuotaExhausted' && message.includes('Too frequent table operations');
    const transient = TRANSIENT_NAMES.has(name) || throttledTableOps;
    return { name, status, description: describeServiceError(name, message), transient, maybeApplied: transient && !REFUSED_NAMES.has(name), network: false };
  }
  if (status !== undefined) {
    const transient = status >= 500;
    return { name, status, description: `HTTP ${status}: ${printable(message)}`, transient, maybeApplied: transient, network: false };
  }
  if (code === 'TimeoutError') {
    return { name, status, description: printable(message), transient: true, maybeApplied: true, network: true };
  }
  if (code === 'NetworkingError' || NETWORK.test(message)) {
    const transient = NETWORK.test(message);
    return { name, status, description: printable(message), transient, maybeApplied: transient && !NOT_SENT.test(message), network: true };
  }
  // A client-side failure (the SDK's encoder refusing a parameter, a bug): retrying cannot help.
  return { name, status, description: printable(message), transient: false, maybeApplied: false, network: false };
}

export interface RetryFailure {
  readonly ok: false;
  readonly error: unknown;
  readonly failure: OtsFailure;
  /** The last failure was transient: the time budget ran out. */
  readonly exhausted: boolean;
  /** An earlier attempt failed in a way that may have applied the write (so a later condition failure may be its doing). */
  readonly earlierMaybeApplied: boolean;
  readonly elapsedMs: number;
}

export type RetryOutcome<T> = { readonly ok: true; readonly value: T } | RetryFailure;

export interface RetryPolicy {
  /** Total time to keep retrying transient failures, from the first attempt. */
  readonly budgetMs: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

/**
 * Runs `call` until it succeeds, fails for good, or the transient failures outlast the budget.
 * Backoff doubles from `baseDelayMs` up to `maxDelayMs`, each delay drawn from its upper half (jitter, so
 * concurrent writers that failed together do not come back together).
 */
export async function retryTransient<T>(call: () => Promise<T>, policy: RetryPolicy): Promise<RetryOutcome<T>> {
  const start = Date.now();
  const base = policy.baseDelayMs ?? 50;
  const max = policy.maxDelayMs ?? 2000;
  let earlierMaybeApplied = false;
  for (let attempt = 0; ; attempt++) {
    try {
      return { ok: true, value: await call() };
    } catch (error) {
      const failure = classifyOtsError(error);
      const limit = Math.min(max, base * 2 ** attempt);
      const delay = limit / 2 + (Math.random() * limit) / 2;
      const elapsedMs = Date.now() - start;
      if (!failure.transient || elapsedMs + delay > policy.budgetMs) {
        return { ok: false, error, failure, exhausted: failure.transient, earlierMaybeApplied, elapsedMs };
      }
      earlierMaybeApplied ||= failure.maybeApplied;
      await sleep(delay);
    }
  }
}

/**
 * "\n\u0015OTSConditionCheckFail\u0012\u0017Condition check failed. requestId:…" → "OTSConditionCheckFail:
 * Condition check failed. requestId:…". The body was decoded as UTF-8 by the SDK, so the protobuf length
 * byte after the 0x12 tag is one character, or U+FFFD plus one for lengths of 128 and more.
 */
function describeServiceError(name: string, message: string): string {
  const at = message.indexOf(name);
  if (at < 0) return `${name}: ${printable(message)}`;
  let rest = message.slice(at + name.length);
  if (rest.startsWith('\u0012')) rest = rest.slice(rest[1] === '\ufffd' ? 3 : 2);
  return `${name}: ${printable(rest)}`;
}

function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\ufffd]+/g, ' ').trim();
}
