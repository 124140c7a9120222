/**
 * Values as SQL literals, never as JS values: lossless (no float, Date or number round trip) and cheap.
 * Key bounds are encoded here from the text-protocol bytes (mysql2 with `typeCast: false`); whole rows
 * for a load are rendered by the source server itself (`rowLiteralSelect`), so Node only moves bytes.
 */
import type { FieldPacket } from 'mysql2';
import type { ColumnInfo } from './catalog.ts';
import { quoteIdent, quoteString } from './identifier.ts';

/** Column type codes of the client/server protocol (include/mysql_com.h, enum_field_types). */
const T = { DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, TIMESTAMP: 7, LONGLONG: 8, INT24: 9, DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, BIT: 16, TIMESTAMP2: 17, DATETIME2: 18, TIME2: 19, NEWDECIMAL: 246 } as const;
const NUMERIC: ReadonlySet<number> = new Set([T.DECIMAL, T.NEWDECIMAL, T.TINY, T.SHORT, T.LONG, T.LONGLONG, T.INT24, T.FLOAT, T.DOUBLE, T.YEAR]);
const TEMPORAL: ReadonlySet<number> = new Set([T.DATE, T.NEWDATE, T.TIME, T.TIME2, T.DATETIME, T.DATETIME2, T.TIMESTAMP, T.TIMESTAMP2]);
const BINARY_CHARSET = 63;

export type RawValue = Buffer | null;
export type LiteralEncoder = (v: RawValue) => string;

const numeric: LiteralEncoder = (v) => (v === null ? 'NULL' : v.toString('latin1'));
const temporal: LiteralEncoder = (v) => (v === null ? 'NULL' : `'${v.toString('latin1')}'`);
const binary: LiteralEncoder = (v) => (v === null ? 'NULL' : v.length === 0 ? "''" : `X'${v.toString('hex')}'`);
const text: LiteralEncoder = (v) => (v === null ? 'NULL' : quoteString(v.toString('utf8')));

/** One encoder per result column, chosen from the column definitions the server sent. */
export function literalEncoders(fields: readonly FieldPacket[]): LiteralEncoder[] {
  return fields.map((f) => {
    const type = f.columnType ?? f.type ?? -1;
    if (NUMERIC.has(type)) return numeric;
    if (TEMPORAL.has(type)) return temporal;
    if (type === T.BIT || f.characterSet === BINARY_CHARSET) return binary;
    return text;
  });
}

/**
 * The select expression that reads `col` losslessly. FLOAT is the exception to the plain column:
 * the server prints it with 6 significant digits (16777217 shows as 16777200); widened to DOUBLE it
 * prints the exact value, which the destination FLOAT rounds back to the same float32.
 */
export function selectExpr(col: ColumnInfo): string {
  const q = quoteIdent(col.name);
  return col.dataType === 'float' ? `CAST(${q} AS DOUBLE)` : q;
}

/** Column types whose values are bytes (BIT aside: it is a number written as bits). */
export const BINARY_TYPES: ReadonlySet<string> = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection']);
const NUMERIC_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'decimal', 'numeric', 'double', 'real', 'year']);

/**
 * SQL that makes the server render `col` as the literal re-creating it: numbers as printed (FLOAT
 * widened to DOUBLE, see selectExpr), BIT as b'...', binary as X'hex', everything else through QUOTE() (escapes
 * quote, backslash, NUL and Ctrl-Z), NULL as NULL. Text not in utf8mb4 is converted so the pieces of
 * one row share a character set.
 */
export function literalSelectExpr(col: ColumnInfo): string {
  const q = quoteIdent(col.name);
  if (col.dataType === 'float') return `IFNULL(CAST(${q} AS DOUBLE), 'NULL')`;
  if (NUMERIC_TYPES.has(col.dataType)) return `IFNULL(${q}, 'NULL')`;
  // HEX() of a BIT value is its number in hex, odd digits included: BIN() gives a valid b'...' literal.
  if (col.dataType === 'bit') return `IF(${q} IS NULL, 'NULL', CONCAT('b''', BIN(${q}), ''''))`;
  if (BINARY_TYPES.has(col.dataType) || col.charset === 'binary') return `IF(${q} IS NULL, 'NULL', CONCAT('X''', HEX(${q}), ''''))`;
  if (col.charset && col.charset !== 'utf8mb4') return `CONVERT(QUOTE(${q}) USING utf8mb4)`;
  return `QUOTE(${q})`;
}

/** One column holding the whole row as `(v1,v2,...)`. */
export function rowLiteralSelect(cols: readonly ColumnInfo[]): string {
  return `CONCAT('(', ${cols.map(literalSelectExpr).join(", ',', ")}, ')')`;
}
