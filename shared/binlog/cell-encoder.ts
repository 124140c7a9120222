/**
 * Row values as @vlasky/zongji decodes them from a row event, turned into the lossless CellValue of
 * change-event.ts. zongji runs with `dateStrings: true`, `timezone: 'Z'`, `jsonStrings: true` and
 * `decimalNumbers: false` (binlog-reader.ts), so temporals, DECIMAL and JSON already arrive as exact
 * text; this module fixes the few values zongji cannot render the way the server prints them.
 */
import type { CellValue } from '../change/change-event.ts';

/** Binlog column type codes (MySQL/MariaDB `enum_field_types`), as zongji reports them after a TableMap. */
export const ColumnType = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  BLOB_COMPRESSED: 140,
  VARCHAR_COMPRESSED: 141,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;

/** What the encoder needs to know about one column of a row event (from its TableMap). */
export interface BinlogColumn {
  readonly name: string;
  /** Binlog type code (ColumnType), ENUM/SET already resolved from the STRING metadata. */
  readonly type: number;
  /**
   * The column's character set as the server knows it (null: binary or not a text column). A latin1
   * text value arrives as a byte string (one char per byte: the reader has zongji decode latin1 as
   * 'binary') because zongji's cp1252 decoder loses the five bytes cp1252 leaves undefined.
   */
  readonly charset: string | null;
  /**
   * INFORMATION_SCHEMA-style COLUMN_TYPE from the TableMap's metadata (`int`, `bigint unsigned`,
   * `varchar(20)`; no display widths), '' where unknown: signedness and widths are not in `type`.
   */
  readonly columnType: string;
}

export type CellEncoder = (value: unknown) => CellValue;

/** The encoder of one column; build it once per TableMap, call it per value. */
export function cellEncoder(column: BinlogColumn): CellEncoder {
  const fail = (value: unknown, what: string): never => {
    throw new CellEncodingError(column, value, what);
  };
  switch (column.type) {
    case ColumnType.TINY:
    case ColumnType.SHORT:
    case ColumnType.INT24:
    case ColumnType.LONG:
    case ColumnType.LONGLONG:
      // zongji decodes 64-bit integers exactly: a Number within ±(2^53−1), an exact decimal string beyond.
      return (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : typeof v === 'string' ? { n: v } : fail(v, 'an integer'));
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE:
      // FLOAT arrives as the exact double of its float32 (DataView.getFloat32), kept as is.
      return (v) => (v === null || v === undefined ? null : typeof v === 'number' ? v : fail(v, 'a number'));
    case ColumnType.NEWDECIMAL:
    case ColumnType.DECIMAL:
      return (v) => (v === null || v === undefined ? null : typeof v === 'string' ? { n: v } : fail(v, 'exact DECIMAL text (decimalNumbers must stay false)'));
    case ColumnType.YEAR:
      // YEAR is one byte, year − 1900; zongji adds 1900 to the stored 0 of YEAR 0000 too. 1900 itself is
      // not a valid YEAR value, so 1900 can only mean 0000.
      return (v) => (v === null || v === undefined ? null : typeof v === 'number' ? (v === 1900 ? 0 : v) : fail(v, 'a year number'));
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
    case ColumnType.TIME:
    case ColumnType.TIME2:
    case ColumnType.DATETIME:
    case ColumnType.DATETIME2:
    case ColumnType.TIMESTAMP:
    case ColumnType.TIMESTAMP2:
      return (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : fail(v, 'temporal text (dateStrings must be true)'));
    case ColumnType.ENUM:
      // The invalid-value index 0 (the '' MariaDB stores for a bad ENUM value in non-strict mode) has
      // no entry in zongji's value list and comes back undefined; the column is not NULL there
      // (NULL is decided by the null bitmap before the value is read).
      return (v) => (v === null ? null : v === undefined ? '' : typeof v === 'string' ? v : fail(v, 'an ENUM value'));
    case ColumnType.SET:
      return (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : fail(v, 'a SET value'));
    case ColumnType.JSON:
      // Only when row-decoder.ts cannot take a MySQL JSON column (no length_size): zongji's text (jsonStrings). MariaDB JSON is LONGTEXT (a BLOB type).
      return (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : fail(v, 'JSON text (jsonStrings must be true)'));
    case ColumnType.BIT:
    case ColumnType.GEOMETRY:
      // BIT: zongji hands the row image's bytes, big-endian, ceil(M/8) of them. GEOMETRY: the reader
      // has zongji read it as a BLOB (its own decoder returns {x, y} objects and drops the SRID).
      return (v) => (v === null || v === undefined ? null : Buffer.isBuffer(v) ? { b: v.toString('base64') } : fail(v, 'bytes'));
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING:
    case ColumnType.STRING:
    case ColumnType.VARCHAR_COMPRESSED:
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.BLOB:
    case ColumnType.BLOB_COMPRESSED: {
      // Binary columns (and MariaDB UUID/INET/VECTOR under FULL metadata) arrive as Buffers, text as strings.
      const text = column.charset === 'latin1' ? latin1FromByteString : (s: string) => s;
      return (v) =>
        v === null || v === undefined ? null : typeof v === 'string' ? text(v) : Buffer.isBuffer(v) ? { b: v.toString('base64') } : fail(v, 'text or bytes');
    }
    default:
      return (v) => fail(v, `a value of a supported type (binlog type ${column.type} is not)`);
  }
}

/** A value the binlog client handed over in a form the encoder cannot represent exactly. */
export class CellEncodingError extends Error {
  constructor(column: BinlogColumn, value: unknown, expected: string) {
    super(`column "${column.name}" (binlog type ${column.type}): expected ${expected}, got ${describe(value)}`);
    this.name = 'CellEncodingError';
  }
}

function describe(v: unknown): string {
  if (v instanceof Date) return `a Date (${v.toISOString()})`;
  if (Buffer.isBuffer(v)) return `${v.length} bytes`;
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 60) ?? ''}`;
}

/**
 * MariaDB's latin1 is cp1252 except that the five bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F,
 * 0x90, 0x9D) map to the C1 controls of the same code (strings/ctype-latin1.c, cs_to_uni). Only
 * 0x80–0x9F differ from ISO-8859-1, which is what a byte string already is.
 */
const LATIN1_80_9F = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

/** A latin1 value delivered one char per byte (code points 0–255) → the text MariaDB means. */
export function latin1FromByteString(bytes: string): string {
  if (!/[\x80-\x9f]/.test(bytes)) return bytes;
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes.charCodeAt(i);
    out += c >= 0x80 && c <= 0x9f ? String.fromCharCode(LATIN1_80_9F[c - 0x80]!) : bytes[i];
  }
  return out;
}
