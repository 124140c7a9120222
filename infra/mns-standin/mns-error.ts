/**
 * The errors MNS answers with: a code, the HTTP status the service pairs with it and its message,
 * as listed in the product's error-code table (help.aliyun.com, "MNS error codes", doc 27501).
 * The server turns an MnsError into `<Error><Code/><Message/><RequestId/><HostId/></Error>`; the
 * npm client turns that into an Error named `MNS<Code>Error`.
 */
export type MnsErrorCode =
  | 'AccessDenied'
  | 'InvalidAccessKeyId'
  | 'InternalError'
  | 'InvalidAuthorizationHeader'
  | 'InvalidDateHeader'
  | 'InvalidArgument'
  | 'InvalidDegist' // sic: the service's spelling
  | 'InvalidRequestURL'
  | 'InvalidQueryString'
  | 'MalformedXML'
  | 'MissingAuthorizationHeader'
  | 'MissingDateHeader'
  | 'MissingVersionHeader'
  | 'InvalidVersionHeader'
  | 'MissingReceiptHandle'
  | 'MissingVisibilityTimeout'
  | 'MessageNotExist'
  | 'QueueAlreadyExist'
  | 'InvalidQueueName'
  | 'QueueNameLengthError'
  | 'QueueNotExist'
  | 'ReceiptHandleError'
  | 'SignatureDoesNotMatch'
  | 'TimeExpired';

const STATUS: Record<MnsErrorCode, number> = {
  AccessDenied: 403,
  InvalidAccessKeyId: 403,
  InternalError: 500,
  InvalidAuthorizationHeader: 400,
  InvalidDateHeader: 400,
  InvalidArgument: 400,
  InvalidDegist: 400,
  InvalidRequestURL: 400,
  InvalidQueryString: 400,
  MalformedXML: 400,
  MissingAuthorizationHeader: 400,
  MissingDateHeader: 400,
  MissingVersionHeader: 400,
  InvalidVersionHeader: 400,
  MissingReceiptHandle: 400,
  MissingVisibilityTimeout: 400,
  MessageNotExist: 404,
  QueueAlreadyExist: 409,
  InvalidQueueName: 400,
  QueueNameLengthError: 400,
  QueueNotExist: 404,
  ReceiptHandleError: 400,
  SignatureDoesNotMatch: 403,
  TimeExpired: 408,
};

export class MnsError extends Error {
  readonly code: MnsErrorCode;
  readonly status: number;

  constructor(code: MnsErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = STATUS[code];
  }
}

/** The service's wording for a value out of range ("The value of X should between L and H ..."). */
export function outOfRange(element: string, low: number, high: number, unit = ''): MnsError {
  const suffix = unit === '' ? '' : ` ${unit}`;
  return new MnsError('InvalidArgument', `The value of ${element} should between ${low} and ${high}${suffix}.`);
}

export const queueNotExist = (): MnsError =>
  new MnsError('QueueNotExist', 'The queue name you provided is not exist.');

export const messageNotExist = (): MnsError => new MnsError('MessageNotExist', 'Message not exist.');

export const receiptHandleError = (): MnsError =>
  new MnsError('ReceiptHandleError', 'The receipt handle you provide is not valid.');
