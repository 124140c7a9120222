/** Errors of the binlog event parser: bytes that are not a binlog, or not the binlog they claim to be. */
import { FcDtsError } from '../../errors.ts';

/** Where in a binlog a problem is: the file (or stream) name and the start offset of the event. */
export interface BinlogWhere {
  readonly source: string;
  readonly offset: number;
}

/** Bytes that do not parse as the binlog format says they should (truncated, unknown layout, bad values). */
export class BinlogFormatError extends FcDtsError {
  readonly source: string;
  readonly offset: number;
  constructor(where: BinlogWhere, message: string, options?: { cause?: unknown }) {
    super(
      'BINLOG_DECODE_FAILED',
      `${where.source} at offset ${where.offset}: ${message}`,
      'check that the file is a complete MySQL/MariaDB binlog (not truncated, not a relay log being written); if it is, report the file and offset',
      options,
    );
    this.source = where.source;
    this.offset = where.offset;
  }
}

/** An event whose CRC32 does not match its bytes: the binlog was damaged on disk or in transit. */
export class BinlogChecksumError extends FcDtsError {
  readonly source: string;
  readonly offset: number;
  constructor(where: BinlogWhere, expected: number, actual: number) {
    super(
      'BINLOG_DECODE_FAILED',
      `${where.source} at offset ${where.offset}: event checksum mismatch (stored CRC32 ${hex(expected)}, computed ${hex(actual)})`,
      'the binlog is corrupt at that offset: read it again from the source server, or restart from a position after a full load',
    );
    this.source = where.source;
    this.offset = where.offset;
  }
}

function hex(v: number): string {
  return '0x' + v.toString(16).padStart(8, '0');
}
