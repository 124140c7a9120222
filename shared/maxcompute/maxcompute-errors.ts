/**
 * What a failed MaxCompute call means: the service's error code, HTTP status and request id, a message naming
 * the object (project, table, instance, session), and the fix.
 *
 * Error bodies: REST XML `<Error><Code/><Message/><RequestId/><HostId/></Error>` (py odps/errors.py parse_response,
 * java odps/rest/ErrorMessage.java), the same keys as JSON, and tunnel JSON `{"Code","Message"}` with the request
 * id in the `x-odps-request-id` header (java tunnel/TunnelException.java). Failed SQL tasks report text starting with
 * an `ODPS-nnnnnnn` code (py errors.parse_instance_error).
 */
import { FcDtsError, type ErrorCode } from '../errors.ts';
import { child, childText, parseXml } from './odps-xml.ts';

export class MaxComputeError extends FcDtsError {
  /** The service's code: `NoSuchObject`, `SignatureNotMatch`, `ODPS-0130071`, …; undefined for network failures. */
  readonly serviceCode: string | undefined;
  readonly httpStatus: number | undefined;
  readonly requestId: string | undefined;
  /** The same request may succeed later (5xx, throttling, a dropped connection). */
  readonly transient: boolean;

  constructor(init: {
    what: string;
    serviceCode?: string | undefined;
    httpStatus?: number | undefined;
    requestId?: string | undefined;
    serviceMessage: string;
    cause?: unknown;
  }) {
    const meaning = meaningOf(init.serviceCode, init.httpStatus);
    const status = init.httpStatus === undefined ? '' : ` (HTTP ${init.httpStatus})`;
    // A task's error text starts with its own ODPS code: say it once.
    const codeInText = init.serviceCode !== undefined && init.serviceMessage.startsWith(init.serviceCode) && status === '';
    const code = init.serviceCode === undefined || codeInText ? '' : `${init.serviceCode}${status}: `;
    const request = init.requestId === undefined ? '' : ` [request ${init.requestId}]`;
    super(meaning.code, `MaxCompute ${init.what}: ${code}${init.serviceMessage}${request}`, meaning.fix, { cause: init.cause });
    this.serviceCode = init.serviceCode;
    this.httpStatus = init.httpStatus;
    this.requestId = init.requestId;
    this.transient = meaning.transient;
  }
}

export interface ServiceErrorBody {
  readonly code: string | undefined;
  readonly message: string;
  readonly requestId: string | undefined;
}

/** Code, message and request id of an error response body (XML or JSON); the raw text when it is neither. */
export function parseErrorBody(body: string): ServiceErrorBody {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as Record<string, unknown>;
      const str = (k: string) => (typeof json[k] === 'string' ? (json[k] as string) : undefined);
      return { code: str('Code'), message: str('Message') ?? text, requestId: str('RequestId') };
    } catch {
      // not JSON after all: fall through to the raw text
    }
  }
  if (text.startsWith('<')) {
    try {
      const root = parseXml(text);
      const error = root.name === 'Error' ? root : child(root, 'Error');
      if (error !== undefined) {
        return { code: childText(error, 'Code'), message: childText(error, 'Message') ?? '', requestId: childText(error, 'RequestId') };
      }
    } catch {
      // an HTML page from a proxy: fall through
    }
  }
  return { code: undefined, message: text.length > 300 ? `${text.slice(0, 300)}…` : text, requestId: undefined };
}

/** The `ODPS-nnnnnnn` code at the start of a failed task's text, e.g. `ODPS-0130071:[0,0] Semantic analysis …`. */
export function odpsCodeOf(text: string): string | undefined {
  return /\b(ODPS-\d{7})\b/.exec(text)?.[1];
}

interface Meaning {
  readonly code: ErrorCode;
  readonly fix: string;
  readonly transient: boolean;
}

const CREDENTIALS = 'check destination.accessKeyId and destination.accessKeySecret (an enabled AccessKey of the account or RAM user)';

const BY_SERVICE_CODE: Record<string, Meaning> = {
  SignatureNotMatch: { code: 'AUTH_FAILED', fix: CREDENTIALS, transient: false },
  InvalidAccessKeyId: { code: 'AUTH_FAILED', fix: CREDENTIALS, transient: false },
  'ODPS-0410051': { code: 'AUTH_FAILED', fix: CREDENTIALS, transient: false },
  AuthorizationRequired: { code: 'AUTH_FAILED', fix: CREDENTIALS, transient: false },
  RequestTimeTooSkewed: { code: 'AUTH_FAILED', fix: "synchronise this machine's clock (NTP): requests are signed with the current time", transient: false },
  AuthenticationRequestExpired: { code: 'AUTH_FAILED', fix: "synchronise this machine's clock (NTP): requests are signed with the current time", transient: false },
  NoSuchProject: { code: 'OBJECT_NOT_FOUND', fix: 'check destination.project and that destination.endpoint is in the project’s region', transient: false },
  NoSuchObject: { code: 'OBJECT_NOT_FOUND', fix: 'check the table name, or run schema sync to create it', transient: false },
  NoSuchTable: { code: 'OBJECT_NOT_FOUND', fix: 'check the table name, or run schema sync to create it', transient: false },
  'ODPS-0130131': { code: 'OBJECT_NOT_FOUND', fix: 'check the table name, or run schema sync to create it', transient: false },
  NoSuchPartition: { code: 'OBJECT_NOT_FOUND', fix: 'create the partition (ALTER TABLE … ADD PARTITION) or upload with create_partition', transient: false },
  NoPermission: { code: 'PRIVILEGE_MISSING', fix: 'grant the AccessKey’s user the MaxCompute privileges on destination.project (CreateTable, Describe, Select, Update)', transient: false },
  Unauthorized: { code: 'PRIVILEGE_MISSING', fix: 'grant the AccessKey’s user the MaxCompute privileges on destination.project (CreateTable, Describe, Select, Update)', transient: false },
  AccessDenied: { code: 'PRIVILEGE_MISSING', fix: 'grant the AccessKey’s user the MaxCompute privileges on destination.project (CreateTable, Describe, Select, Update)', transient: false },
  InternalServerError: { code: 'CONNECTION_FAILED', fix: 'retry later; MaxCompute reported an internal error', transient: true },
  ServiceUnavailable: { code: 'CONNECTION_FAILED', fix: 'retry later; MaxCompute is unavailable', transient: true },
  SlotExceeded: { code: 'CONNECTION_FAILED', fix: 'retry later, or lower the task’s parallelism (tunnel slots are exhausted)', transient: true },
};

function meaningOf(serviceCode: string | undefined, status: number | undefined): Meaning {
  const known = serviceCode === undefined ? undefined : BY_SERVICE_CODE[serviceCode];
  if (known !== undefined) return known;
  if (serviceCode?.startsWith('NoPermission')) return BY_SERVICE_CODE.NoPermission!;
  // ODPS-01xxxxx: the statement itself is wrong (parse, semantic analysis, a limit): running it again fails again.
  if (serviceCode?.startsWith('ODPS-01')) return { code: 'LOAD_FAILED', fix: 'check the statement against the message; it is not retried', transient: false };
  if (status === undefined || status >= 500 || status === 429) {
    return { code: 'CONNECTION_FAILED', fix: 'check destination.endpoint and the network; retry later', transient: true };
  }
  if (status === 401) return BY_SERVICE_CODE.SignatureNotMatch!;
  if (status === 403) return BY_SERVICE_CODE.NoPermission!;
  if (status === 404) return { code: 'OBJECT_NOT_FOUND', fix: 'check destination.project, destination.endpoint and the table name', transient: false };
  return { code: 'LOAD_FAILED', fix: 'check the request against the message; it is not retried', transient: false };
}
