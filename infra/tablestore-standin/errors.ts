/**
 * The errors the stand-in answers with: the real service's error codes, HTTP statuses and messages
 * (product docs "Error codes"; exact wording from the assertions of the official SDKs' function tests,
 * e.g. aliyun-tablestore-java-sdk functiontest/RestrictedItemTest.java, DataOperationTest.java).
 * On the wire an error is a non-2xx response whose body is the protobuf `Error{code, message}`.
 */
export type OtsErrorCode =
  | 'OTSAuthFailed'
  | 'OTSParameterInvalid'
  | 'OTSInvalidPK'
  | 'OTSObjectNotExist'
  | 'OTSObjectAlreadyExist'
  | 'OTSConditionCheckFail'
  | 'OTSQuotaExhausted'
  | 'OTSMethodNotAllowed'
  | 'OTSRequestBodyTooLarge'
  | 'OTSInternalServerError'
  // Transient refusals: the stand-in answers them only when a test asks (TablestoreStandIn.faults).
  | 'OTSServerBusy'
  | 'OTSPartitionUnavailable'
  | 'OTSServerUnavailable'
  | 'OTSTimeout'
  | 'OTSTableNotReady'
  | 'OTSNotEnoughCapacityUnit'
  | 'OTSRowOperationConflict';

const HTTP_STATUS: Readonly<Record<OtsErrorCode, number>> = {
  OTSAuthFailed: 403,
  OTSParameterInvalid: 400,
  OTSInvalidPK: 400,
  OTSObjectNotExist: 404,
  OTSObjectAlreadyExist: 409,
  OTSConditionCheckFail: 403,
  OTSQuotaExhausted: 403,
  OTSMethodNotAllowed: 405,
  OTSRequestBodyTooLarge: 413,
  OTSInternalServerError: 500,
  OTSServerBusy: 503,
  OTSPartitionUnavailable: 503,
  OTSServerUnavailable: 503,
  OTSTimeout: 503,
  OTSTableNotReady: 404,
  OTSNotEnoughCapacityUnit: 403,
  OTSRowOperationConflict: 409,
};

/**
 * The service's message for each code, as its error-code table and 5xx FAQ print them; used when a test
 * injects the error without a message of its own.
 */
const MESSAGES: Readonly<Record<OtsErrorCode, string>> = {
  OTSAuthFailed: 'Signature mismatch.',
  OTSParameterInvalid: 'Invalid parameter.',
  OTSInvalidPK: 'Validate PK size fail.',
  OTSObjectNotExist: 'Requested table does not exist.',
  OTSObjectAlreadyExist: 'Requested table already exists.',
  OTSConditionCheckFail: 'Condition check failed.',
  OTSQuotaExhausted: 'Too frequent table operations.',
  OTSMethodNotAllowed: 'Only POST method for requests is supported.',
  OTSRequestBodyTooLarge: 'The size of POST data is too large.',
  OTSInternalServerError: 'Internal server error.',
  OTSServerBusy: 'Server is busy.',
  OTSPartitionUnavailable: 'The partition is not available.',
  OTSServerUnavailable: 'Server is not available.',
  OTSTimeout: 'Operation timeout.',
  OTSTableNotReady: 'The table is not ready.',
  OTSNotEnoughCapacityUnit: 'Remaining capacity unit is not enough.',
  OTSRowOperationConflict: 'Data is being modified by the other request.',
};

/** The error the service answers with `code`: its HTTP status and (unless given) its usual message. */
export function serviceError(code: OtsErrorCode, message?: string): OtsError {
  return new OtsError(code, message ?? MESSAGES[code]);
}

export class OtsError extends Error {
  readonly code: OtsErrorCode;
  readonly httpStatus: number;

  constructor(code: OtsErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = HTTP_STATUS[code];
  }
}

export function parameterInvalid(message: string): OtsError {
  return new OtsError('OTSParameterInvalid', message);
}

export function invalidPrimaryKey(message: string): OtsError {
  return new OtsError('OTSInvalidPK', message);
}

export function authFailed(message: string): OtsError {
  return new OtsError('OTSAuthFailed', message);
}

export function tableNotExist(): OtsError {
  return serviceError('OTSObjectNotExist');
}

export function tableAlreadyExist(): OtsError {
  return serviceError('OTSObjectAlreadyExist');
}

export function conditionCheckFail(): OtsError {
  return serviceError('OTSConditionCheckFail');
}

/** A feature of the real service this stand-in does not implement: refused loudly, never ignored. */
export function unsupported(feature: string): OtsError {
  return parameterInvalid(`${feature} is not supported by the local Tablestore stand-in.`);
}
