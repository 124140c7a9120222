/**
 * Value decoders for the column types that make up most tables: integers, FLOAT/DOUBLE, DECIMAL,
 * DATETIME(fsp), text and BLOBs, and MySQL's binary JSON as the text the server prints (mysql-json.ts).
 * The event parser (events/column-values.ts) decodes those types through them; each reads one value
 * at the cursor and moves it past the value.
 *
 * Wire formats: MySQL sql/log_event.cc (rows_event), strings/decimal.c (bin2decimal),
 * sql-common/my_time.c (TIME_to_longlong_datetime_packed).
 */
import type { CellValue } from '../change/change-event.ts';
import { ColumnType } from './column-type.ts';
import { latin1FromByteString } from './events/text-decoding.ts';
import { decimalReader } from './mysql-decimal.ts';
import { MysqlJsonError, mysqlJsonToText } from './mysql-json.ts';

/** A cursor over an event: the bytes and the read offset (events/byte-reader.ts has this shape). */
export interface PacketCursor {
  _buffer: Buffer;
  _offset: number;
}

export type ValueDecoder = (p: PacketCursor) => CellValue;

/** What the decoder needs to know of a column (from its TABLE_MAP). */
export interface DecodedColumn {
  readonly name: string;
  readonly type: number;
  /** The server's character set of a text column; null for binary and non-text columns. */
  readonly charset: string | null;
  readonly metadata: Readonly<Record<string, number | undefined>>;
  readonly unsigned: boolean;
  /** INFORMATION_SCHEMA-style COLUMN_TYPE (`varchar(20)`), '' where unknown. */
  readonly columnType: string;
}

const UTF8 = new Set(['utf8mb4', 'utf8mb3', 'utf8']);

/** A decoder of this column's values, or undefined when another decoder must take them (events/column-values.ts). */
export function fastDecoder(c: DecodedColumn): ValueDecoder | undefined {
  switch (c.type) {
    case ColumnType.TINY:
      return c.unsigned ? (p) => p._buffer[p._offset++]! : (p) => p._buffer.readInt8(p._offset++);
    case ColumnType.SHORT:
      return fixed(2, c.unsigned ? (b, o) => b.readUInt16LE(o) : (b, o) => b.readInt16LE(o));
    case ColumnType.INT24:
      return fixed(3, c.unsigned ? (b, o) => b.readUIntLE(o, 3) : (b, o) => b.readIntLE(o, 3));
    case ColumnType.LONG:
      return fixed(4, c.unsigned ? (b, o) => b.readUInt32LE(o) : (b, o) => b.readInt32LE(o));
    case ColumnType.LONGLONG:
      return fixed(8, c.unsigned ? uint64 : int64);
    case ColumnType.FLOAT:
      return fixed(4, (b, o) => b.readFloatLE(o));
    case ColumnType.DOUBLE:
      return fixed(8, (b, o) => b.readDoubleLE(o));
    case ColumnType.NEWDECIMAL: {
      const { precision, decimals } = c.metadata;
      return precision === undefined || decimals === undefined ? undefined : decimalDecoder(precision, decimals);
    }
    case ColumnType.DATETIME2: {
      const fsp = c.metadata.decimals ?? 0;
      return fsp >= 0 && fsp <= 6 ? datetime2Decoder(fsp) : undefined;
    }
    case ColumnType.VARCHAR:
    case ColumnType.STRING: {
      // BINARY/VARBINARY (and MariaDB's UUID, INET) ride on the same types and are decoded as bytes elsewhere.
      if (!/^(var)?char\(/.test(c.columnType)) return undefined;
      const text = textOf(c.charset);
      const lengthBytes = (c.metadata.max_length ?? 0) > 255 ? 2 : 1;
      return text && ((p) => {
        const b = p._buffer;
        const len = lengthBytes === 1 ? b[p._offset]! : b.readUInt16LE(p._offset);
        const start = p._offset + lengthBytes;
        p._offset = start + len;
        return text(b, start, start + len);
      });
    }
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.BLOB: {
      const lengthBytes = c.metadata.length_size;
      if (lengthBytes === undefined || lengthBytes < 1 || lengthBytes > 4) return undefined;
      const text = c.charset === null ? bytes : textOf(c.charset);
      return text && ((p) => {
        const b = p._buffer;
        const len = b.readUIntLE(p._offset, lengthBytes);
        const start = p._offset + lengthBytes;
        p._offset = start + len;
        return text(b, start, start + len);
      });
    }
    case ColumnType.JSON: {
      // MySQL's binary JSON, behind a length of `length_size` bytes like a BLOB's; MariaDB writes JSON as text in a BLOB type.
      const lengthBytes = c.metadata.length_size;
      if (lengthBytes === undefined || lengthBytes < 1 || lengthBytes > 4) return undefined;
      return (p) => {
        const b = p._buffer;
        const len = b.readUIntLE(p._offset, lengthBytes);
        const start = p._offset + lengthBytes;
        p._offset = start + len;
        return jsonText(c.name, b.subarray(start, start + len));
      };
    }
    default:
      return undefined;
  }
}

function jsonText(column: string, value: Buffer): string {
  try {
    return mysqlJsonToText(value);
  } catch (e) {
    throw e instanceof MysqlJsonError ? e.inColumn(column) : e;
  }
}

type Slice = (b: Buffer, start: number, end: number) => CellValue;

function textOf(charset: string | null): Slice | undefined {
  if (charset !== null && UTF8.has(charset)) return (b, s, e) => b.toString('utf8', s, e);
  // MariaDB's latin1 is cp1252 with the five undefined bytes kept (events/text-decoding.ts).
  if (charset === 'latin1') return (b, s, e) => latin1FromByteString(b.toString('latin1', s, e));
  return undefined;
}

const bytes: Slice = (b, s, e) => ({ b: b.toString('base64', s, e) });

function fixed(size: number, read: (b: Buffer, o: number) => CellValue): ValueDecoder {
  return (p) => {
    const v = read(p._buffer, p._offset);
    p._offset += size;
    return v;
  };
}

/** 64-bit integers: a Number within ±(2^53−1), exact text beyond (change-event.ts). */
function uint64(b: Buffer, o: number): CellValue {
  const v = b.readUInt32LE(o + 4) * 0x1_0000_0000 + b.readUInt32LE(o);
  return Number.isSafeInteger(v) ? v : { n: b.readBigUInt64LE(o).toString() };
}

function int64(b: Buffer, o: number): CellValue {
  const v = b.readInt32LE(o + 4) * 0x1_0000_0000 + b.readUInt32LE(o);
  return Number.isSafeInteger(v) ? v : { n: b.readBigInt64LE(o).toString() };
}

/** DECIMAL(precision, scale) as exact text (mysql-decimal.ts). */
function decimalDecoder(precision: number, scale: number): ValueDecoder {
  const { size, read } = decimalReader(precision, scale);
  return (p) => {
    const n = read(p._buffer, p._offset);
    p._offset += size;
    return { n };
  };
}

/**
 * DATETIME2: 5 big-endian bytes (sign bit, year*13+month 17 bits, day 5, hour 5, minute 6,
 * second 6), then ceil(fsp/2) bytes of fraction. Printed as the server prints it, fsp digits.
 */
function datetime2Decoder(fsp: number): ValueDecoder {
  const fracBytes = (fsp + 1) >> 1;
  return (p) => {
    const b = p._buffer;
    const o = p._offset;
    const hi = b.readUInt32BE(o); // bits 39..8
    const lo = b[o + 4]!;
    p._offset = o + 5 + fracBytes;
    const yearMonth = (hi >>> 14) & 0x1ffff;
    const day = (hi >>> 9) & 0x1f;
    const hour = (hi >>> 4) & 0x1f;
    const minute = ((hi & 0xf) << 2) | (lo >>> 6);
    const second = lo & 0x3f;
    let text = `${pad(Math.floor(yearMonth / 13), 4)}-${pad(yearMonth % 13, 2)}-${pad(day, 2)} ${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}`;
    if (fsp > 0) {
      let frac = b.readUIntBE(o + 5, fracBytes);
      if (fsp % 2 !== 0) frac /= 10; // odd precisions do not use the last digit of their bytes
      text += '.' + pad(frac, fsp);
    }
    return text;
  };
}

function pad(v: number, width: number): string {
  return String(v).padStart(width, '0');
}
