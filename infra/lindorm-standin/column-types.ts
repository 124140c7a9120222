/**
 * The data types of LindormTable (help.aliyun.com/en/lindorm/developer-reference/basic-data-types): which names
 * a column may have, how a literal becomes a stored value, how values sort in a primary key (byte order, as the
 * engine stores rows) and how they go back to a client over the MySQL text protocol.
 */
import { errors } from './errors.ts';
import type { Literal, TypeSpec } from './sql-ast.ts';
import { formatTimestamp, parseTimestamp } from './time-zone.ts';

export const TYPE_NAMES = ['BOOLEAN', 'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL', 'VARCHAR', 'CHAR', 'BINARY', 'VARBINARY', 'DATE', 'TIME', 'TIMESTAMP'] as const;
export type TypeName = (typeof TYPE_NAMES)[number];

export interface ColumnType {
  readonly name: TypeName;
  /** VARCHAR(n), CHAR(n), BINARY(n), VARBINARY(n): the length given, if any. */
  readonly length?: number;
  readonly precision?: number;
  readonly scale?: number;
}

/** A stored value: BOOLEAN boolean, integers bigint, FLOAT/DOUBLE number, DECIMAL/VARCHAR/CHAR/DATE/TIME string, binaries Buffer, TIMESTAMP epoch ms. */
export type Value = null | boolean | bigint | number | string | Buffer;

const INTEGER_BITS: Partial<Record<TypeName, number>> = { TINYINT: 8, SMALLINT: 16, INTEGER: 32, BIGINT: 64 };
const ALIASES: Readonly<Record<string, TypeName>> = { INT: 'INTEGER' };

export function columnType(spec: TypeSpec, maxPrecision: number): ColumnType {
  const name = ALIASES[spec.name] ?? spec.name;
  if (!(TYPE_NAMES as readonly string[]).includes(name)) throw errors.unsupportedType(spec.name);
  const type = name as TypeName;
  const [a, b] = spec.args;
  if (type === 'DECIMAL') {
    const precision = a ?? 10;
    const scale = b ?? 0;
    if (spec.args.length > 2 || precision < 1 || precision > maxPrecision || scale > precision) throw errors.invalidDecimal(precision, scale);
    return { name: type, precision, scale };
  }
  if (['VARCHAR', 'CHAR', 'BINARY', 'VARBINARY'].includes(type)) {
    if (spec.args.length > 1 || a === 0) throw errors.unsupportedType(`${spec.name}(${spec.args.join(',')})`);
    return a === undefined ? { name: type } : { name: type, length: a };
  }
  if (spec.args.length > 0) throw errors.unsupportedType(`${spec.name}(${spec.args.join(',')})`);
  return { name: type };
}

export function typeText(t: ColumnType): string {
  if (t.name === 'DECIMAL') return `DECIMAL(${t.precision},${t.scale})`;
  return t.length === undefined ? t.name : `${t.name}(${t.length})`;
}

/** The stored value of `literal` in a column of type `t`; `timeZone` is the session's, for TIMESTAMP strings. */
export function toValue(column: string, t: ColumnType, literal: Literal, timeZone: string): Value {
  if (literal.type === 'null') return null;
  const shown = literalText(literal);
  const bad = () => errors.badValue(column, t.name, shown);
  switch (t.name) {
    case 'BOOLEAN': return toBoolean(literal, bad);
    case 'TINYINT': case 'SMALLINT': case 'INTEGER': case 'BIGINT': return toInteger(column, t.name, numberText(literal, bad), bad);
    case 'FLOAT': case 'DOUBLE': return toFloat(t.name, numberText(literal, bad), bad);
    case 'DECIMAL': return toDecimal(column, t, numberText(literal, bad));
    case 'VARCHAR': case 'CHAR': return toText(column, t, literal, bad);
    case 'BINARY': case 'VARBINARY': return toBinary(column, t, literal, bad);
    case 'DATE': return toDate(stringOf(literal, bad), bad);
    case 'TIME': return toTime(stringOf(literal, bad), bad);
    case 'TIMESTAMP': return toTimestamp(literal, timeZone, bad);
  }
}

function literalText(l: Literal): string {
  switch (l.type) {
    case 'null': return 'NULL';
    case 'bool': return String(l.value);
    case 'number': return l.text;
    case 'string': return l.value;
    case 'hex': return `X'${l.bytes.toString('hex')}'`;
  }
}

function stringOf(l: Literal, bad: () => Error): string {
  if (l.type !== 'string') throw bad();
  return l.value;
}

function numberText(l: Literal, bad: () => Error): string {
  if (l.type === 'number') return l.text;
  if (l.type === 'string' && /^\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*$/.test(l.value)) return l.value.trim();
  throw bad();
}

function toBoolean(l: Literal, bad: () => Error): boolean {
  if (l.type === 'bool') return l.value;
  if (l.type === 'number' && (l.text === '0' || l.text === '1')) return l.text === '1';
  if (l.type === 'string' && /^(true|false)$/i.test(l.value)) return l.value.toLowerCase() === 'true';
  throw bad();
}

/** An exact decimal: sign, digits without leading zeros, and how many of them are after the point. */
interface Exact {
  readonly negative: boolean;
  readonly digits: bigint;
  readonly scale: number;
}

function exact(text: string): Exact {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$/.exec(text)!;
  const fraction = m[3] ?? '';
  const scale = fraction.length - Number(m[4] ?? 0);
  const digits = BigInt(`${m[2] ?? ''}${fraction}` || '0');
  return { negative: m[1] === '-' && digits !== 0n, digits, scale };
}

/** `e` at `scale` digits after the point, or undefined when that would drop a non-zero digit. */
function rescale(e: Exact, scale: number): bigint | undefined {
  const shift = scale - e.scale;
  if (shift >= 0) return e.digits * 10n ** BigInt(shift);
  const div = 10n ** BigInt(-shift);
  return e.digits % div === 0n ? e.digits / div : undefined;
}

function toInteger(column: string, name: TypeName, text: string, bad: () => Error): bigint {
  const e = exact(text);
  const magnitude = rescale(e, 0);
  if (magnitude === undefined) throw bad();
  const v = e.negative ? -magnitude : magnitude;
  const bits = BigInt(INTEGER_BITS[name]!);
  const max = 2n ** (bits - 1n) - 1n;
  if (v > max || v < -max - 1n) throw errors.outOfRange(column, `${text} is outside ${name}`);
  return v;
}

function toFloat(name: TypeName, text: string, bad: () => Error): number {
  const n = Number(text);
  if (!Number.isFinite(n)) throw bad();
  const v = name === 'FLOAT' ? Math.fround(n) : n;
  if (!Number.isFinite(v)) throw bad();
  return v;
}

function toDecimal(column: string, t: ColumnType, text: string): string {
  const scale = t.scale!;
  const scaled = rescale(exact(text), scale);
  if (scaled === undefined) throw errors.outOfRange(column, `${text} has more than ${scale} digits after the point for ${typeText(t)}`);
  if (scaled.toString().length > t.precision!) throw errors.outOfRange(column, `${text} does not fit ${typeText(t)}`);
  const negative = exact(text).negative;
  const s = scaled.toString().padStart(scale + 1, '0');
  const body = scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  return negative ? `-${body}` : body;
}

function toText(column: string, t: ColumnType, l: Literal, bad: () => Error): string {
  const s = l.type === 'string' ? l.value : l.type === 'number' ? l.text : undefined;
  if (s === undefined) throw bad();
  if (t.length !== undefined && [...s].length > t.length) throw errors.dataTooLong(column, t.length);
  return s;
}

function toBinary(column: string, t: ColumnType, l: Literal, bad: () => Error): Buffer | null {
  if (l.type !== 'hex' && l.type !== 'string') throw bad();
  const bytes = l.type === 'hex' ? l.bytes : Buffer.from(l.value, 'utf8');
  if (t.length !== undefined && bytes.length > t.length) throw errors.dataTooLong(column, t.length);
  // "Empty strings of the VARBINARY type are treated as null values in DTS and the Lindorm instance" (DTS doc).
  if (t.name === 'VARBINARY' && bytes.length === 0) return null;
  return bytes;
}

function toDate(s: string, bad: () => Error): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw bad();
  return s;
}

function validDate(y: number, mo: number, d: number): boolean {
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function toTime(s: string, bad: () => Error): string {
  const m = /^(\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59) throw bad();
  return s;
}

function toTimestamp(l: Literal, timeZone: string, bad: () => Error): number {
  if (l.type === 'number') {
    if (!/^-?[0-9]+$/.test(l.text)) throw bad();
    return Number(l.text);
  }
  const ms = parseTimestamp(stringOf(l, bad), timeZone);
  if (ms === undefined) throw bad();
  return ms;
}

// ---- primary-key bytes -------------------------------------------------------------------------------------

/**
 * The bytes of one primary-key value, in an order-preserving form: numbers big-endian with the sign flipped,
 * strings as UTF-8 ended by 0x00 unless last, VARBINARY raw (so only the last key column may be one), a DESC
 * column's bytes inverted (its terminator becoming 0xff).
 */
export function keyBytes(t: ColumnType, v: Exclude<Value, null>, last: boolean, descending: boolean): Buffer {
  const b = ascendingKeyBytes(t, v, last);
  return descending ? Buffer.from(b.map((x) => 255 - x)) : b;
}

function ascendingKeyBytes(t: ColumnType, v: Exclude<Value, null>, last: boolean): Buffer {
  switch (t.name) {
    case 'BOOLEAN': return Buffer.from([v ? 1 : 0]);
    case 'TINYINT': case 'SMALLINT': case 'INTEGER': case 'BIGINT': return signedBytes(v as bigint, INTEGER_BITS[t.name]! / 8);
    case 'DECIMAL': return signedBytes(rescale(exact(v as string), t.scale!)! * ((v as string).startsWith('-') ? -1n : 1n), 17);
    case 'FLOAT': case 'DOUBLE': return floatBytes(v as number);
    case 'TIMESTAMP': return signedBytes(BigInt(v as number), 8);
    case 'BINARY': case 'VARBINARY': return v as Buffer;
    default: {
      const s = Buffer.from(v as string, 'utf8');
      return last ? s : Buffer.concat([s, Buffer.from([0])]);
    }
  }
}

function signedBytes(v: bigint, width: number): Buffer {
  const b = Buffer.alloc(width);
  let u = BigInt.asUintN(width * 8, v) ^ (1n << BigInt(width * 8 - 1));
  for (let i = width - 1; i >= 0; i--) {
    b[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return b;
}

function floatBytes(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  if (b[0]! & 0x80) for (let i = 0; i < 8; i++) b[i] = 255 - b[i]!;
  else b[0] = b[0]! | 0x80;
  return b;
}

/** Bytes a value takes, for the row and write size limits. */
export function valueBytes(t: ColumnType, v: Value): number {
  if (v === null) return 0;
  if (Buffer.isBuffer(v)) return v.length;
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (t.name === 'BOOLEAN' || t.name === 'TINYINT') return 1;
  if (t.name === 'SMALLINT') return 2;
  if (t.name === 'INTEGER' || t.name === 'FLOAT') return 4;
  return 8;
}

/** The text-protocol form of a value: text, raw bytes, or null. */
export function wireValue(t: ColumnType, v: Value, timeZone: string): string | Buffer | null {
  if (v === null || Buffer.isBuffer(v)) return v;
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (t.name === 'TIMESTAMP') return formatTimestamp(v as number, timeZone);
  if (t.name === 'FLOAT') return shortestFloat32(v as number);
  return String(v);
}

/** Orders two non-null values of one column as the engine does (numbers by value, text and bytes by bytes). */
export function compareValues(a: Exclude<Value, null>, b: Exclude<Value, null>, t: ColumnType): number {
  if (t.name === 'DECIMAL') return Buffer.compare(keyBytes(t, a, true, false), keyBytes(t, b, true, false));
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return Buffer.compare(a, b);
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The fewest digits that read back as the same float32, as Java's Float.toString chooses them. */
function shortestFloat32(v: number): string {
  if (!Number.isFinite(v) || v === 0) return String(v);
  for (let digits = 1; digits < 9; digits++) {
    const text = Number(v.toPrecision(digits));
    if (Math.fround(text) === v) return String(text);
  }
  return String(Number(v.toPrecision(9)));
}
