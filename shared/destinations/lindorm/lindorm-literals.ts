/**
 * Change values (change-event.ts CellValue) and full-load source cells as Lindorm SQL literals, by the
 * Lindorm column's type. fc-dts renders literals itself rather than with mysql2's `escape`/`?`
 * placeholders: mysql2 3.24.5 formats through sql-escaper, which writes `\t` and `\b` escapes Lindorm's
 * lexer does not list, numbers without the exponent Lindorm wants for DOUBLE, and Dates in the client's
 * local zone.
 *
 * Lindorm lexical structure (help.aliyun.com/en/lindorm/developer-reference/lexical-structure): strings
 * in `'…'`, a quote doubled; backslash escapes only from SQL 2.8.4.8 and only while SQL_MODE lacks
 * NO_BACKSLASH_ESCAPES, so the session says whether a backslash is doubled. Basic data types: "All
 * DOUBLE values in SQL statements must be expressed in scientific notation". Time formats
 * (how-to-set-the-time-zone-for-a-connection): DATE `yyyy-mm-dd`, TIME `hh:mm:ss`, TIMESTAMP
 * `yyyy-mm-dd hh:mm:ss.SSS`, read in the session TIME_ZONE, milliseconds at most.
 *
 * A value the column's type cannot hold exactly is a LindormValueError (the sink's dirty-data policy
 * applies to its row); nothing is rounded, except fractions of a second below the millisecond.
 */
import type { CellValue } from '../../change/change-event.ts';
import type { ColumnInfo } from '../../mysql/catalog.ts';
import { sourceCell } from '../../mysql/source-text.ts';
import { offsetMinutes } from './config.ts';
import { fixedBytes, typeText, type LindormType } from './lindorm-types.ts';

/** What the session decides about literals. */
export interface LiteralSession {
  /** Backslashes are escapes (SQL ≥ 2.8.4.8 without NO_BACKSLASH_ESCAPES): doubled in strings. */
  readonly backslashEscapes: boolean;
  /** The session TIME_ZONE, `±hh:mm` (config.ts timeZone). */
  readonly timeZone: string;
}

export interface LiteralColumn {
  /** Destination name, for messages. */
  readonly name: string;
  readonly type: LindormType;
  /** The source column is a MySQL TIMESTAMP, whose values changes carry as UTC text; else a wall time. */
  readonly instant: boolean;
}

export interface Literal {
  readonly sql: string;
  /** The value's length as Lindorm's row limits count it: text as UTF-8, bytes, fixed types at their width; 0 for NULL. */
  readonly bytes: number;
}

/** A value the Lindorm column cannot hold; the message names the column, the value and why. */
export class LindormValueError extends Error {
  readonly code = 'LINDORM_VALUE_REFUSED';
  readonly column: string;
  constructor(column: LiteralColumn, value: unknown, why: string) {
    super(`column ${column.name}: ${shown(value)} cannot be written as Lindorm ${typeText(column.type)}: ${why}`);
    this.name = 'LindormValueError';
    this.column = column.name;
  }
}

const NULL: Literal = { sql: 'NULL', bytes: 0 };

/** The literal of a change value. */
export function lindormLiteral(v: CellValue, column: LiteralColumn, session: LiteralSession): Literal {
  if (v === null) return NULL;
  const sql = render(v, column, session);
  if (sql === 'NULL') return NULL;
  return { sql, bytes: fixedBytes(column.type) ?? storedLength(v) };
}

/**
 * The literal of a full-load cell as the text protocol reads it (typeCast off: the server's text, bytes
 * for binary types, TIMESTAMP in the session's UTC; a FLOAT selected as `col + 0e0`, source-text.ts).
 */
export function sourceLiteral(raw: Buffer | null, source: Pick<ColumnInfo, 'dataType'>, column: LiteralColumn, session: LiteralSession): Literal {
  return lindormLiteral(sourceCell(raw, source), column, session);
}

/** A name as Lindorm SQL quotes it: in backticks, a backtick doubled; the case is kept (Lindorm names are case-sensitive). */
export function quoteName(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

export function quoteString(text: string, backslashEscapes: boolean): string {
  const escaped = backslashEscapes ? text.replaceAll('\\', '\\\\') : text;
  return `'${escaped.replaceAll("'", "''")}'`;
}

function render(v: Exclude<CellValue, null>, column: LiteralColumn, session: LiteralSession): string {
  const t = column.type;
  switch (t.name) {
    case 'BOOLEAN':
      return booleanLiteral(v, column);
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'BIGINT':
      return integerLiteral(v, column, INTEGER_BITS[t.name]);
    case 'FLOAT':
      return floatLiteral(v, column);
    case 'DOUBLE':
      return scientific(toDouble(v, column));
    case 'DECIMAL':
      return decimalLiteral(v, column, t.precision ?? 10, t.scale ?? 0);
    case 'VARCHAR':
    case 'CHAR':
      return quoteString(textOf(v, column), session.backslashEscapes);
    case 'VARBINARY':
    case 'BINARY':
      return bytesLiteral(v, column);
    case 'DATE':
      return `'${dateText(stringOf(v, column), column)}'`;
    case 'TIME':
      return `'${timeText(stringOf(v, column), column)}'`;
    case 'TIMESTAMP':
      return `'${timestampText(stringOf(v, column), column, session.timeZone)}'`;
  }
}

const INTEGER_BITS = { TINYINT: 8, SMALLINT: 16, INTEGER: 32, BIGINT: 64 } as const;

/** The exact integer a value holds, as a bigint; undefined when it holds something else. */
function exactInteger(v: Exclude<CellValue, null>): bigint | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
  const text = typeof v === 'string' ? v : 'n' in v ? v.n : undefined;
  return text !== undefined && /^[-+]?\d+$/.test(text) ? BigInt(text) : undefined;
}

function integerLiteral(v: Exclude<CellValue, null>, column: LiteralColumn, bits: number): string {
  const n = exactInteger(v);
  if (n === undefined) throw new LindormValueError(column, v, 'not an integer');
  const max = (1n << BigInt(bits - 1)) - 1n;
  if (n > max || n < -max - 1n) throw new LindormValueError(column, v, `outside ${-max - 1n}..${max}`);
  return n.toString();
}

function booleanLiteral(v: Exclude<CellValue, null>, column: LiteralColumn): string {
  const n = exactInteger(v);
  if (n === 0n || n === 1n) return n === 1n ? 'true' : 'false';
  throw new LindormValueError(column, v, 'only 0 and 1 are booleans');
}

function toDouble(v: Exclude<CellValue, null>, column: LiteralColumn): number {
  const text = typeof v === 'number' ? undefined : typeof v === 'string' ? v : 'n' in v ? v.n : '';
  const x = text === undefined ? (v as number) : /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(x)) throw new LindormValueError(column, v, 'not a finite number');
  return x;
}

/** `1.5E0`, `-1.0E-1`: a mantissa with a point and an exponent, the shortest digits that read back as the same double. */
function scientific(x: number): string {
  if (Object.is(x, -0)) return '-0.0E0';
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** A FLOAT value arrives as its float32's exact double: written with the fewest digits that read back as that float32. */
function floatLiteral(v: Exclude<CellValue, null>, column: LiteralColumn): string {
  const x = toDouble(v, column);
  const f = Math.fround(x);
  if (!Number.isFinite(f)) throw new LindormValueError(column, v, "outside FLOAT's range");
  for (let digits = 0; digits < 9; digits++) {
    const shorter = Number(f.toExponential(digits));
    if (Math.fround(shorter) === f) return scientific(shorter);
  }
  return scientific(f);
}

/** Exact digits only: an integer part over p - s digits, or a fraction over s digits that are not zeros, is refused. */
function decimalLiteral(v: Exclude<CellValue, null>, column: LiteralColumn, precision: number, scale: number): string {
  const text = typeof v === 'number' ? (Number.isInteger(v) ? BigInt(v).toString() : String(v)) : typeof v === 'string' ? v : 'n' in v ? v.n : '';
  const m = /^([-+]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new LindormValueError(column, v, 'not a decimal number');
  const integer = m[2]!.replace(/^0+(?=\d)/, '');
  const fraction = (m[3] ?? '').replace(/0+$/, '');
  const integerDigits = integer === '0' || integer === '' ? 0 : integer.length;
  if (integerDigits > precision - scale) throw new LindormValueError(column, v, `${integerDigits} digits before the point, over the ${precision - scale} DECIMAL(${precision},${scale}) has`);
  if (fraction.length > scale) throw new LindormValueError(column, v, `${fraction.length} digits after the point, over the ${scale} DECIMAL(${precision},${scale}) has (not rounded)`);
  const sign = m[1] === '-' && (/[1-9]/.test(integer) || fraction !== '') ? '-' : '';
  return `${sign}${integer || '0'}${fraction ? `.${fraction}` : ''}`;
}

function textOf(v: Exclude<CellValue, null>, column: LiteralColumn): string {
  let text: string;
  if (typeof v === 'string') text = v;
  else if (typeof v === 'number') text = String(v);
  else if ('n' in v) text = v.n;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytesOf(v.b, column));
    } catch (e) {
      if (e instanceof LindormValueError) throw e;
      throw new LindormValueError(column, v, 'bytes that are not UTF-8 text');
    }
  }
  const length = column.type.length;
  if (length !== undefined && [...text].length > length) throw new LindormValueError(column, v, `${[...text].length} characters, over ${length}`);
  return text;
}

/** VARBINARY as `X'hex'`; an empty VARBINARY is NULL (reference 004: "Empty strings of the VARBINARY type are treated as null values"). */
function bytesLiteral(v: Exclude<CellValue, null>, column: LiteralColumn): string {
  let bytes: Buffer;
  if (typeof v === 'object' && 'b' in v) bytes = bytesOf(v.b, column);
  else if (typeof v === 'string') bytes = Buffer.from(v, 'utf8');
  else throw new LindormValueError(column, v, 'not bytes');
  const length = column.type.length;
  if (length !== undefined && bytes.length > length) throw new LindormValueError(column, v, `${bytes.length} bytes, over ${length}`);
  if (bytes.length === 0 && column.type.name === 'VARBINARY') return 'NULL';
  return `X'${bytes.toString('hex')}'`;
}

/** Base64 as the change encoding writes it; Buffer.from would skip bad characters silently. */
function bytesOf(base64: string, column: LiteralColumn): Buffer {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.toString('base64') !== base64) throw new LindormValueError(column, { b: base64 }, 'malformed base64');
  return bytes;
}

function stringOf(v: Exclude<CellValue, null>, column: LiteralColumn): string {
  if (typeof v === 'string') return v;
  throw new LindormValueError(column, v, 'not a date or time text');
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?$/;

interface WallTime {
  readonly y: number;
  readonly mo: number;
  readonly d: number;
  readonly h: number;
  readonly mi: number;
  readonly s: number;
  readonly ms: number;
}

/** A MySQL date or date-time text as a calendar time; zero dates and impossible days are refused. */
function wallTime(text: string, column: LiteralColumn, what: string): WallTime {
  const m = DATE_TIME.exec(text);
  if (!m) throw new LindormValueError(column, text, `not a ${what}`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  const t = toUtc({ y, mo, d, h, mi, s, ms: 0 });
  if (y === 0 || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new LindormValueError(column, text, `not a calendar ${what} (MySQL zero or partial dates have no Lindorm value)`);
  }
  return { y, mo, d, h, mi, s, ms: Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)) };
}

/** The wall time as a UTC instant (years below 100 too, which Date.UTC would move to 1900–1999). */
function toUtc(w: WallTime): Date {
  const t = new Date(Date.UTC(2000, w.mo - 1, w.d, w.h, w.mi, w.s, w.ms));
  t.setUTCFullYear(w.y);
  return t;
}

function dateText(text: string, column: LiteralColumn): string {
  if (text.length !== 10) throw new LindormValueError(column, text, 'not a date');
  wallTime(text, column, 'date');
  return text;
}

/** Lindorm's TIME is a time of day in whole seconds: MySQL's negative times, times from 24:00:00 up (to 838:59:59) and fractions of a second are refused. */
function timeText(text: string, column: LiteralColumn): string {
  const m = /^(-?)(\d{2,3}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) throw new LindormValueError(column, text, 'not a time');
  if (m[1] === '-' || Number(m[2]) > 23) throw new LindormValueError(column, text, 'outside the time of day 00:00:00–23:59:59 Lindorm holds');
  if (/[1-9]/.test(m[5] ?? '')) throw new LindormValueError(column, text, 'Lindorm TIME holds whole seconds (hh:mm:ss), and fc-dts does not round');
  return `${m[2]}:${m[3]}:${m[4]}`;
}

/**
 * `yyyy-mm-dd hh:mm:ss.SSS` in the session zone. A DATETIME's wall time is written as it is: Lindorm
 * reads it in the session zone, and shows it back the same in that zone. A TIMESTAMP (an instant, UTC
 * text in changes and in the full load's UTC session) is moved to the session zone, so the instant is kept.
 */
function timestampText(text: string, column: LiteralColumn, zone: string): string {
  const w = wallTime(text, column, 'date and time');
  if (!column.instant) return format(w);
  const t = new Date(toUtc(w).getTime() + offsetMinutes(zone) * 60_000);
  return format({ y: t.getUTCFullYear(), mo: t.getUTCMonth() + 1, d: t.getUTCDate(), h: t.getUTCHours(), mi: t.getUTCMinutes(), s: t.getUTCSeconds(), ms: t.getUTCMilliseconds() });
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function format(w: WallTime): string {
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)} ${pad(w.h)}:${pad(w.mi)}:${pad(w.s)}.${pad(w.ms, 3)}`;
}

/** Length of a text or bytes value as stored: UTF-8 bytes of text, the bytes themselves. */
function storedLength(v: Exclude<CellValue, null>): number {
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (typeof v === 'number') return String(v).length;
  return 'n' in v ? v.n.length : Buffer.byteLength(v.b, 'base64');
}

function shown(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
