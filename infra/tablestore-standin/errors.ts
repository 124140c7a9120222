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
  | 'OTSInternalServerError';

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
};

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
  return new OtsError('OTSObjectNotExist', 'Requested table does not exist.');
}

export function tableAlreadyExist(): OtsError {
  return new OtsError('OTSObjectAlreadyExist', 'Requested table already exists.');
}

export function conditionCheckFail(): OtsError {
  return new OtsError('OTSConditionCheckFail', 'Condition check failed.');
}

/** A feature of the real service this stand-in does not implement: refused loudly, never ignored. */
export function unsupported(feature: string): OtsError {
  return parameterInvalid(`${feature} is not supported by the local Tablestore stand-in.`);
}
