/**
 * Errors fc-dts reports to a person: each has a stable code, a message naming the object, and the fix.
 * The CLI prints `message` and `fix`, never a stack trace, and maps the code to an exit code.
 */
export type ErrorCode =
  | 'USAGE'
  | 'TASK_FILE_INVALID'
  | 'FILTER_INVALID'
  | 'CONNECTION_FAILED'
  | 'AUTH_FAILED'
  | 'PRIVILEGE_MISSING'
  | 'OBJECT_NOT_FOUND'
  | 'NO_PRIMARY_KEY'
  | 'NAME_CONFLICT'
  | 'PRECHECK_FAILED'
  | 'SCHEMA_SYNC_FAILED'
  | 'LOAD_FAILED'
  | 'STATE_INVALID'
  | 'ENVIRONMENT'
  | 'BINLOG_DECODE_FAILED'
  | 'INTERRUPTED'
  /** A TABLE_MAP's columns differ from the schema history's definition of the table at that position. */
  | 'SCHEMA_MISMATCH'
  /** A DDL statement on a tracked table that the schema history cannot turn into the table's new definition. */
  | 'DDL_NOT_UNDERSTOOD'
  /** A table's definition changed between the snapshot and the start of incremental sync. */
  | 'SCHEMA_CHANGED_DURING_LOAD'
  /** A batch of changes failed in the destination in a way retrying cannot cure, or past the retry window. */
  | 'APPLY_FAILED';

export class FcDtsError extends Error {
  readonly code: ErrorCode;
  readonly fix: string | undefined;

  constructor(code: ErrorCode, message: string, fix?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.fix = fix;
  }
}

/** A task file that cannot be used; `key` is the dotted path of the offending key. */
export class TaskFileError extends FcDtsError {
  readonly key: string;
  constructor(key: string, message: string, fix: string) {
    super('TASK_FILE_INVALID', `${key}: ${message}`, fix);
    this.key = key;
  }
}

/** A WHERE filter that does not parse or names an unknown column. */
export class FilterError extends FcDtsError {
  constructor(message: string, fix: string) {
    super('FILTER_INVALID', message, fix);
  }
}

export function isFcDtsError(e: unknown): e is FcDtsError {
  return e instanceof FcDtsError;
}
