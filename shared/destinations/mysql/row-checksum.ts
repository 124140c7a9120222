/**
 * The SQL that fingerprints rows for `verify`: a per-chunk (count, 128-bit digest) that either side
 * computes on its own server, and a per-row digest streamed in key order for the key-level diff.
 *
 * Both sides must print identical text for identical values, whatever the column charset or how the
 * server formats the type, so every column goes through `valueExpr`. A row's image is
 * CONCAT_WS('#', shape, v1, v2, ...) where `shape` lists each value's length (or N for NULL):
 * CONCAT_WS skips NULLs, so without it NULL and '' would look alike, and a '#' inside a value could
 * move between neighbouring columns unnoticed.
 *
 * Long values (BLOB, TEXT, JSON) enter the image as their own MD5, never as the value itself: a
 * CONCAT_WS longer than the server's max_allowed_packet is NULL (MariaDB's default is 16 MiB), and a
 * NULL digest is skipped by the chunk's SUM, so a 20 MB value that differed would pass unnoticed.
 * MD5() of a column reads it once and has no such limit, so the work per row stays the bytes of the row.
 */
import type { ColumnInfo } from '../../mysql/catalog.ts';
import { quoteIdent } from '../../mysql/identifier.ts';
import { selectExpr, type RawValue } from '../../mysql/sql-literal.ts';

/** One side of a comparison: its table and its columns, index-aligned with the other side's. */
export interface ChecksumSide {
  /** Qualified table name. */
  readonly table: string;
  readonly columns: readonly ColumnInfo[];
  /** Key columns in key order. */
  readonly key: readonly ColumnInfo[];
}

function isText(col: ColumnInfo): boolean {
  return col.charset !== null && col.charset !== 'binary';
}

/**
 * The column as charset-independent, exact text: FLOAT widened to DOUBLE (the server prints FLOAT
 * with 6 digits), text converted to utf8mb4 (latin1 vs utf8mb4 storage does not matter); binary, BIT
 * and everything else as the server prints it (sessions are UTC, so TIMESTAMP is stable).
 */
export function valueExpr(col: ColumnInfo): string {
  if (isText(col)) return `CONVERT(${quoteIdent(col.name)} USING utf8mb4)`;
  return selectExpr(col);
}

/** Types whose values can exceed max_allowed_packet, hashed on their own in the row image. */
const LONG_TYPES: ReadonlySet<string> = new Set(['blob', 'mediumblob', 'longblob', 'text', 'mediumtext', 'longtext', 'json']);

/** The column's part of the row image: its exact text, or the MD5 of it for long types. */
export function imagePartExpr(col: ColumnInfo): string {
  return LONG_TYPES.has(col.dataType) ? `MD5(${valueExpr(col)})` : valueExpr(col);
}

function lengthExpr(col: ColumnInfo): string {
  // Character counts do not depend on the charset, so text needs no conversion here.
  return `IFNULL(CHAR_LENGTH(${isText(col) ? quoteIdent(col.name) : valueExpr(col)}), 'N')`;
}

/** The row image the digests are taken of. */
export function rowImageExpr(columns: readonly ColumnInfo[]): string {
  const shape = `CONCAT_WS(',', ${columns.map(lengthExpr).join(', ')})`;
  return `CONCAT_WS('#', ${[shape, ...columns.map(imagePartExpr)].join(', ')})`;
}

/** 32 hex digits identifying one row's compared values. */
export function rowDigestExpr(columns: readonly ColumnInfo[]): string {
  return `MD5(${rowImageExpr(columns)})`;
}

/**
 * `SELECT COUNT(*), sum1, sum2` over the rows matching `condition`: the two halves of each row's MD5
 * summed as unsigned 64-bit integers (exact DECIMAL sums). A sum is order-independent and, unlike
 * XOR, does not let two equal rows cancel out. The derived table (kept unmerged by its LIMIT)
 * computes each row's MD5 once instead of once per half.
 */
export function chunkChecksumSql(side: ChecksumSide, condition: string): string {
  const half = (from: number): string => `SUM(CAST(CONV(SUBSTRING(h, ${from}, 16), 16, 10) AS UNSIGNED))`;
  return `SELECT COUNT(*), ${half(1)}, ${half(17)} FROM (SELECT ${rowDigestExpr(side.columns)} AS h ` +
    `FROM ${side.table} WHERE ${condition} LIMIT 18446744073709551615) AS d`;
}

/**
 * `SELECT key1, ..., keyN, digest` for the rows matching `condition`, in the order `keyComparator`
 * reproduces: text keys by their utf8mb4 bytes rather than by collation, the rest in natural order.
 */
export function rowDigestsSql(side: ChecksumSide, condition: string): string {
  const keys = side.key.map((c) => selectExpr(c));
  return `SELECT ${[...keys, rowDigestExpr(side.columns)].join(', ')} FROM ${side.table} WHERE ${condition} ` +
    `ORDER BY ${side.key.map(keyOrderExpr).join(', ')}`;
}

type KeyClass = 'integer' | 'decimal' | 'float' | 'time' | 'bytes' | 'text';

const INTEGER = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year']);

function keyClass(col: ColumnInfo): KeyClass {
  const t = col.dataType;
  if (INTEGER.has(t)) return 'integer';
  if (t === 'decimal' || t === 'numeric') return 'decimal';
  if (t === 'float' || t === 'double' || t === 'real') return 'float';
  if (t === 'time') return 'time';
  if (isText(col)) return 'text';
  // DATE/DATETIME/TIMESTAMP (fixed-width text), BIT (fixed-width bytes), BINARY/VARBINARY (memcmp order).
  return 'bytes';
}

function keyOrderExpr(col: ColumnInfo): string {
  // The binary charset compares bytes then length (NO PAD), exactly like Buffer.compare.
  return keyClass(col) === 'text' ? `CAST(CONVERT(${quoteIdent(col.name)} USING utf8mb4) AS BINARY)` : quoteIdent(col.name);
}

export type KeyComparator = (a: readonly RawValue[], b: readonly RawValue[]) => number;

/**
 * Compares two raw key tuples (text-protocol bytes, as `rowDigestsSql` returns them) in the order
 * that statement sorts them. Classes come from the source columns so both sides compare alike.
 */
export function keyComparator(key: readonly ColumnInfo[]): KeyComparator {
  const cmps = key.map((c) => VALUE_COMPARATORS[keyClass(c)]);
  return (a, b) => {
    for (let i = 0; i < cmps.length; i++) {
      const x = a[i] ?? null;
      const y = b[i] ?? null;
      // NULL sorts first in ascending order.
      const r = x === null ? (y === null ? 0 : -1) : y === null ? 1 : cmps[i]!(x, y);
      if (r !== 0) return r;
    }
    return 0;
  };
}

type ValueComparator = (a: Buffer, b: Buffer) => number;

const sign = (n: bigint | number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

const VALUE_COMPARATORS: Record<KeyClass, ValueComparator> = {
  integer: (a, b) => sign(BigInt(a.toString('latin1')) - BigInt(b.toString('latin1'))),
  decimal: (a, b) => compareDecimal(a.toString('latin1'), b.toString('latin1')),
  float: (a, b) => sign(Number(a.toString('latin1')) - Number(b.toString('latin1'))),
  time: (a, b) => compareDecimal(timeSeconds(a.toString('latin1')), timeSeconds(b.toString('latin1'))),
  bytes: (a, b) => Buffer.compare(a, b),
  text: (a, b) => Buffer.compare(a, b),
};

/** Exact comparison of decimal numerals such as `-12.50` and `3`. */
export function compareDecimal(a: string, b: string): number {
  const [ai = '0', af = ''] = a.split('.');
  const [bi = '0', bf = ''] = b.split('.');
  const scale = Math.max(af.length, bf.length);
  // The sign stays in front of the integer digits, so "-0.5" scales to -5.
  const scaled = (i: string, f: string): bigint => {
    const negative = i.startsWith('-');
    const digits = (negative ? i.slice(1) : i) + f.padEnd(scale, '0');
    const v = BigInt(digits === '' ? '0' : digits);
    return negative ? -v : v;
  };
  return sign(scaled(ai, af) - scaled(bi, bf));
}

/** `-838:59:59.5` → `-3020399.5`, a numeral `compareDecimal` orders like the server orders TIME. */
function timeSeconds(t: string): string {
  const negative = t.startsWith('-');
  const [hms = '', frac = ''] = (negative ? t.slice(1) : t).split('.');
  const [h = '0', m = '0', s = '0'] = hms.split(':');
  const seconds = BigInt(h) * 3600n + BigInt(m) * 60n + BigInt(s);
  return `${negative ? '-' : ''}${seconds}${frac ? '.' + frac : ''}`;
}
