/**
 * One column's values in a row image → CellValue (change-event.ts), as the live reader gives them:
 * integers, FLOAT/DOUBLE, DECIMAL and DATETIME2 through row-decoder.ts's decoders, the rest here.
 * Wire formats: MySQL sql/log_event.cc (log_event_print_value), sql-common/my_time.c
 * (my_time_packed_from_binary, my_timestamp_from_binary), go-mysql replication/row_event.go.
 *
 * Without the TABLE_MAP's optional metadata (MySQL 5.7, binlog_row_metadata=MINIMAL on old servers)
 * integers are read as signed, and text columns of unknown charset come out as bytes: the binlog does
 * not say which they are, and a guess would change values silently.
 */
import type { CellValue } from '../../change/change-event.ts';
import { ColumnType } from '../column-type.ts';
import { fastDecoder } from '../row-decoder.ts';
import { BinlogFormatError } from './binlog-errors.ts';
import type { ByteReader } from './byte-reader.ts';
import { VECTOR_TYPE, type TableColumn } from './table-definition.ts';
import { textDecoding } from './text-decoding.ts';
import { temporalDecoder } from './temporal-values.ts';

export type ColumnDecoder = (r: ByteReader) => CellValue;

export interface ValueOptions {
  /** MySQL binary JSON (type 245) → JSON text. */
  readonly jsonText: (bytes: Buffer) => string;
}

/** The decoder of a column's non-NULL values; a type it cannot decode is a BinlogFormatError when its value is read. */
export function columnDecoder(c: TableColumn, options: ValueOptions): ColumnDecoder {
  const fast = FAST_TYPES.has(c.type)
    ? fastDecoder({ name: c.name ?? `@${c.index + 1}`, type: c.type, charset: null, metadata: { ...c.metadata }, unsigned: c.unsigned ?? false, columnType: '' })
    : undefined;
  return fast ?? temporalDecoder(c) ?? otherDecoder(c, options) ?? unsupported(c);
}

/** The types row-decoder.ts decodes from the type and metadata alone (its text decoders need a server's COLUMN_TYPE). */
const FAST_TYPES = new Set<number>([
  ColumnType.TINY, ColumnType.SHORT, ColumnType.INT24, ColumnType.LONG, ColumnType.LONGLONG,
  ColumnType.FLOAT, ColumnType.DOUBLE, ColumnType.NEWDECIMAL, ColumnType.DATETIME2,
]);

function otherDecoder(c: TableColumn, options: ValueOptions): ColumnDecoder | undefined {
  const m = c.metadata;
  switch (c.type) {
    case ColumnType.YEAR:
      // One byte, year − 1900; 0 is YEAR 0000.
      return (r) => {
        const v = r.u8();
        return v === 0 ? 0 : 1900 + v;
      };
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
      return lengthPrefixed((m.max_length ?? 0) > 255 ? 2 : 1, textOrBytes(c));
    case ColumnType.STRING:
      return lengthPrefixed((m.max_length ?? 0) > 255 ? 2 : 1, c.charset === 'binary' ? paddedBinary(m.max_length ?? 0) : textOrBytes(c));
    case ColumnType.ENUM:
      return enumDecoder(c);
    case ColumnType.SET:
      return setDecoder(c);
    case ColumnType.BIT: {
      const n = ((m.bits ?? 0) + 7) >> 3;
      return (r) => ({ b: r.bytes(n).toString('base64') });
    }
    case ColumnType.BLOB:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
      return lengthPrefixed(m.length_size ?? 0, textOrBytes(c));
    case ColumnType.GEOMETRY:
    case VECTOR_TYPE:
      return lengthPrefixed(m.length_size ?? 0, bytes);
    case ColumnType.JSON:
      // An empty document (INSERT IGNORE of NULL into NOT NULL) is the JSON null literal
      // (sql-common/json_binary.cc, parse_binary; go-mysql row_event.go).
      return lengthPrefixed(m.length_size ?? 0, (b) => (b.length === 0 ? 'null' : options.jsonText(b)));
    default:
      return undefined;
  }
}

type FromBytes = (b: Buffer) => CellValue;

const bytes: FromBytes = (b) => ({ b: b.toString('base64') });

function textOrBytes(c: TableColumn): FromBytes {
  const text = textDecoding(c.charset);
  return text ? (b) => text(b, 0, b.length) : bytes;
}

/** BINARY(n): the server pads the value with 0x00 to n bytes when it is read back. */
function paddedBinary(length: number): FromBytes {
  return (b) => bytes(b.length >= length ? b : Buffer.concat([b, Buffer.alloc(length - b.length)]));
}

function lengthPrefixed(lengthBytes: number, value: FromBytes): ColumnDecoder {
  if (lengthBytes < 1 || lengthBytes > 4) return (r) => { throw new BinlogFormatError(r.where, `invalid length size ${lengthBytes} in column metadata`); };
  return (r) => value(r.bytes(r.uint(lengthBytes)));
}

/** ENUM: the 1-based index of the value (0: the '' of an invalid value). Without the value list, the index. */
function enumDecoder(c: TableColumn): ColumnDecoder {
  const size = c.metadata.size ?? 1;
  const values = c.enumValues;
  return (r) => {
    const index = r.uint(size);
    if (!values) return index;
    if (index === 0) return '';
    const v = values[index - 1];
    if (v === undefined) throw new BinlogFormatError(r.where, `ENUM index ${index} of column ${c.name ?? c.index + 1} is beyond its ${values.length} values`);
    return v;
  };
}

/** SET: a little-endian bitmask over the values, given as the server prints it (comma-joined); without the value list, the mask. */
function setDecoder(c: TableColumn): ColumnDecoder {
  const size = c.metadata.size ?? 1;
  const values = c.setValues;
  return (r) => {
    const mask = r.bytes(size);
    if (!values) return maskNumber(mask);
    const members: string[] = [];
    for (let i = 0; i < size * 8; i++) {
      if (!(mask[i >> 3]! & (1 << (i & 7)))) continue;
      const v = values[i];
      if (v === undefined) throw new BinlogFormatError(r.where, `SET bit ${i} of column ${c.name ?? c.index + 1} is beyond its ${values.length} values`);
      members.push(v);
    }
    return members.join(',');
  };
}

function maskNumber(mask: Buffer): CellValue {
  let v = 0n;
  for (let i = mask.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(mask[i]!);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : { n: v.toString() };
}

function unsupported(c: TableColumn): ColumnDecoder {
  return (r) => {
    throw new BinlogFormatError(r.where, `column ${c.name ?? c.index + 1} has binlog type ${c.type}, which this parser cannot decode`);
  };
}
