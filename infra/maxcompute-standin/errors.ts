/**
 * The errors the stand-in answers with, as the service does:
 * - REST (service endpoint): HTTP 4xx/5xx with `<Error><Code/><Message/><RequestId/><HostId/></Error>`
 *   (parsed by py odps/errors.py `parse_response`, java ErrorMessage.java);
 * - tunnel: JSON `{"Code","Message","RequestId"}` plus the `x-odps-request-id` header (java TunnelException.loadFromJson);
 *   codes and messages from the product page "Common Tunnel errors";
 * - a failed SQL task: not an HTTP error but the task's status `Failed` and its result text `ODPS-xxxxxxx:…`
 *   (py errors.parse_instance_error). `McError.sql` builds those.
 */
export class McError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** A SQL task failure: `code` is the ODPS-xxxxxxx number, the text follows it after a colon. */
  static sql(code: string, text: string): McError {
    return new McError(code, `${code}:${text}`, 400);
  }
}

/** REST authentication and routing errors (HTTP status, code and message as the service answers). */
export const restErrors = {
  signatureNotMatch: () => new McError('SignatureNotMatch', 'ODPS-0410042:Invalid signature value - User signature dose not match', 403),
  invalidAccessKey: () => new McError('InvalidAccessKeyId', 'ODPS-0410051:Invalid credentials - accessKeyId not found', 403),
  authorizationRequired: () => new McError('AuthorizationRequired', 'ODPS-0410001:Authorization required - missing Authorization header', 401),
  missingDate: () => new McError('InvalidArgument', 'ODPS-0420061:Invalid parameter in HTTP request - missing Date header', 400),
  timeTooSkewed: (date: string) =>
    new McError(
      'RequestTimeTooSkewed',
      `ODPS-0410031:Authentication request expired - the difference between the request time (${date}) and the server time is more than 15 minutes`,
      403,
    ),
  noSuchProject: (project: string) => new McError('NoSuchProject', `ODPS-0420111:Project not found - '${project}'.`, 404),
  noSuchTable: (project: string, table: string) => new McError('NoSuchObject', `ODPS-0130131:Table not found - '${project}.${table}'.`, 404),
  noSuchInstance: (id: string) => new McError('NoSuchObject', `ODPS-0420111:Instance not found - '${id}'.`, 404),
  invalidArgument: (detail: string) => new McError('InvalidArgument', `ODPS-0420061:Invalid parameter in HTTP request - ${detail}`, 400),
  methodNotAllowed: () => new McError('MethodNotAllowed', 'Unsupported request method.', 405),
  internal: (detail: string) => new McError('InternalServerError', `Service internal error - ${detail}`, 500),
};

/** Tunnel errors ("Common Tunnel errors", "Tunnel SDK FAQ"). */
export const tunnelErrors = {
  statusConflict: () => new McError('StatusConflict', 'You cannot complete the specified operation under the current upload or download status.', 409),
  expired: (kind: 'upload' | 'download') => new McError('StatusConflict', `The ${kind} session is expired`, 409),
  invalidBlockId: (id: string) => new McError('InvalidBlockID', `The specified block id is not valid.${id}`, 400),
  noSuchUpload: (id: string) => new McError('NoSuchUpload', `The specified upload id does not exist.${id}`, 404),
  noSuchDownload: (id: string) => new McError('NoSuchDownload', `The specified download id does not exist.${id}`, 404),
  noSuchPartition: () => new McError('NoSuchPartition', 'The specified partition does not exist', 404),
  invalidPartitionSpec: (detail: string) => new McError('InvalidPartitionSpec', `Error: The specified partitionspec is not valid: ${detail}`, 400),
  missingPartitionSpec: () => new McError('MissingPartitionSpec', 'You need to specify a partitionspec along with the specified table.', 400),
  invalidRowRange: () => new McError('InvalidRowRange', 'The specified row range is not valid', 400),
  corrupted: (detail: string) => new McError('MalformedDataStream', `The data stream was corrupted, please try again later: ${detail}`, 400),
  invalidArgument: (detail: string) => new McError('InvalidArgument', `Invalid argument: ${detail}`, 400),
  internal: () => new McError('InternalServerError', 'Service internal error, please try again later.', 500),
};
