import { FcDtsError } from '../errors.ts';

/** A MySQL binary JSON value that cannot be decoded: an unknown type byte, or bytes missing or out of place. */
export class MysqlJsonError extends FcDtsError {
  /** Offset in the JSON value's bytes (0: its type byte) where the fault was found. */
  readonly offset: number;
  readonly reason: string;

  constructor(reason: string, offset: number, column?: string) {
    super(
      'BINLOG_DECODE_FAILED',
      `${column === undefined ? '' : `column ${column}: `}binary JSON value: ${reason} (at offset ${offset})`,
      'the binlog holds a JSON value this MySQL binary JSON decoder cannot read: report it with the binlog file and position',
    );
    this.reason = reason;
    this.offset = offset;
  }

  /** The same fault, named with the column it was read from. */
  inColumn(column: string): MysqlJsonError {
    return new MysqlJsonError(this.reason, this.offset, column);
  }
}
