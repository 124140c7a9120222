/**
 * Filter values and the MySQL conversions, comparison and arithmetic over them.
 *
 * MySQL semantics, with these deliberate approximations (the row carries values, not column types):
 * - Strings compare as utf8mb4_general_ci (MariaDB's default) does: case- and accent-insensitive, trailing spaces
 *   ignored. A _bin or _cs column, or MySQL 8's utf8mb4_0900_ai_ci (no padding, ß = ss), would compare differently
 *   in corner cases. Buffers compare bytewise.
 * - A string that is a plain decimal number ('123.4500', '-7', '18446744073709551615') compares with numbers exactly,
 *   as the DECIMAL/BIGINT value it is; other strings convert as MySQL does (leading number, else 0) to a double.
 * - Integers (bigint, safe-integer numbers, literals) and decimal literals are exact; exponent literals and other
 *   JS numbers are doubles, and a comparison involving a double is done in doubles, as in MySQL.
 * - Dates and datetimes arrive as strings. Two strings that both read as a date or datetime compare as datetimes
 *   ('2024-01-02 00:00:00.000000' = '2024-01-02'), as MySQL compares a DATETIME column with a string constant,
 *   and such a string is the number 20240102[030405[.ffffff]] in a numeric context, as a DATE/DATETIME column is;
 *   a VARCHAR holding such text would compare as text (or as 2024) in MySQL. DATE '...' / TIMESTAMP '...' literals
 *   always compare so.
 * - BIGINT overflow in arithmetic is an error in MySQL (the full load fails); here it is computed exactly.
 */
import { Buffer } from 'node:buffer';
import { FilterError } from '../errors.ts';
import type { ArithOp } from './filter-ast.ts';
import { collate, compareCodePoints } from './filter-collation.ts';
import { decCompare, decRound, decToNumber, decToString, parseDec, pow10, rescale, type Dec } from './filter-decimal.ts';
import { canonicalTemporal, looksTemporal, parseTemporal, temporalNumber } from './filter-temporal.ts';

export type Val =
  | null
  | { readonly t: 'str'; readonly v: string }
  /** `numeric`: a 0x literal, an unsigned integer in a numeric context; other binary strings convert like text. */
  | { readonly t: 'bin'; readonly v: Buffer; readonly numeric: boolean }
  /**
   * `scale` is the declared scale when it differs from the digits held: MySQL keeps a quotient to a multiple of
   * 9 digits (1/3 is 0.333333333, so 1/3*3 = 1) but shows it, and compares it with =, <, IN, at the dividend's
   * scale + 4 (1/3 = 0.3333), while arithmetic, BETWEEN, truth and functions see all the digits.
   */
  | { readonly t: 'dec'; readonly v: Dec; readonly scale?: number }
  | { readonly t: 'dbl'; readonly v: number }
  | { readonly t: 'time'; readonly canonical: string; readonly text: string; readonly num: Dec };
export type NonNullVal = Exclude<Val, null>;
type NumVal = Extract<Val, { t: 'dec' } | { t: 'dbl' }>;

export const TRUE_VAL: Val = { t: 'dec', v: { m: 1n, s: 0 } };
export const FALSE_VAL: Val = { t: 'dec', v: { m: 0n, s: 0 } };
export const boolVal = (b: boolean | null): Val => (b === null ? null : b ? TRUE_VAL : FALSE_VAL);
export const dec = (m: bigint, s = 0): NumVal => ({ t: 'dec', v: { m, s } });
export const decVal = (v: Dec, scale: number): NumVal => (v.s === scale ? { t: 'dec', v } : { t: 'dec', v, scale });
export const declaredScale = (x: Extract<Val, { t: 'dec' }>): number => x.scale ?? x.v.s;

/** The value at its declared scale. */
function shown(x: Extract<Val, { t: 'dec' }>): Dec {
  if (x.scale === undefined || x.scale === x.v.s) return x.v;
  return x.scale < x.v.s ? decRound(x.v, x.scale) : { m: rescale(x.v, x.scale), s: x.scale };
}
export const dbl = (v: number): Val => (Number.isFinite(v) ? { t: 'dbl', v } : null);
export const str = (v: string): Val => ({ t: 'str', v });

const NUMERIC_PREFIX_RE = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

/** As MySQL prints a DOUBLE: shortest round-trip digits, fixed notation for exponents -15..14, else 1.5e15. */
function formatDouble(v: number): string {
  const [mantissa, exp] = v.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -15 || e > 14) return `${mantissa}e${e}`;
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace(/[-.]/g, '');
  let fixed: string;
  if (e < 0) fixed = `0.${'0'.repeat(-e - 1)}${digits}`;
  else if (digits.length <= e + 1) fixed = digits + '0'.repeat(e + 1 - digits.length);
  else fixed = `${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
  return negative && fixed !== '0' ? `-${fixed}` : fixed;
}

export function fromRow(value: unknown, column: string): Val {
  switch (typeof value) {
    case 'string':
      return str(value);
    case 'number':
      // Integers beyond 2^53 arrive as bigint or string; a larger number is a DOUBLE column's value.
      return Number.isSafeInteger(value) ? dec(BigInt(value)) : dbl(value);
    case 'bigint':
      return dec(value);
    case 'boolean':
      return value ? TRUE_VAL : FALSE_VAL;
    default:
      if (value === null) return null;
      if (value instanceof Uint8Array) return { t: 'bin', v: Buffer.from(value.buffer, value.byteOffset, value.byteLength), numeric: false };
      throw new FilterError(
        `filter column ${JSON.stringify(column)} has a value of unsupported type ${value instanceof Date ? 'Date' : typeof value}`,
        'decode binlog values to null, string, number, bigint, boolean or Buffer before evaluating filters',
      );
  }
}

export function toNumeric(v: NonNullVal): NumVal {
  switch (v.t) {
    case 'dec':
    case 'dbl':
      return v;
    case 'time':
      return { t: 'dec', v: v.num };
    case 'bin':
      return v.numeric ? dec(v.v.length === 0 ? 0n : BigInt(`0x${v.v.toString('hex')}`)) : stringToNumeric(v.v.toString('latin1'));
    case 'str':
      return stringToNumeric(v.v);
  }
}

function stringToNumeric(s: string): NumVal {
  const exact = parseDec(s);
  if (exact) return { t: 'dec', v: exact };
  // A date or datetime is a number as MySQL makes of a DATE/DATETIME column: 20240102 or 20240102030405.123456.
  const temporal = looksTemporal(s) ? parseTemporal(s.trim()) : null;
  if (temporal) return { t: 'dec', v: temporalNumber(temporal) };
  const prefix = NUMERIC_PREFIX_RE.exec(s);
  return { t: 'dbl', v: prefix ? Number(prefix[0]) : 0 };
}

export function toText(v: NonNullVal): string {
  switch (v.t) {
    case 'str':
      return v.v;
    case 'dec':
      return decToString(shown(v));
    case 'dbl':
      return formatDouble(v.v);
    case 'bin':
      return v.v.toString('utf8');
    case 'time':
      return v.text;
  }
}

export function toBytes(v: NonNullVal): Buffer {
  return v.t === 'bin' ? v.v : Buffer.from(toText(v), 'utf8');
}

export function truth(v: Val): boolean | null {
  if (v === null) return null;
  const n = toNumeric(v);
  return n.t === 'dec' ? n.v.m !== 0n : n.v !== 0;
}

function compareNumeric(a: NumVal, b: NumVal, allDigits: boolean): number {
  if (a.t === 'dec' && b.t === 'dec') return allDigits ? decCompare(a.v, b.v) : decCompare(shown(a), shown(b));
  const x = a.t === 'dec' ? decToNumber(a.v) : a.v;
  const y = b.t === 'dec' ? decToNumber(b.v) : b.v;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** MySQL comparison: -1, 0 or 1, or null when either side is NULL. BETWEEN compares decimals with `allDigits`. */
export function compare(a: Val, b: Val, allDigits = false): number | null {
  if (a === null || b === null) return null;
  if (a.t === 'time' || b.t === 'time') {
    const [other, time] = a.t === 'time' ? [b, a] : [a, b as Extract<Val, { t: 'time' }>];
    if (other.t === 'str' || other.t === 'time') {
      const otherCanonical = other.t === 'time' ? other.canonical : canonicalTemporal(other.v);
      if (otherCanonical !== null) {
        const c = compareCodePoints(time.canonical, otherCanonical);
        return a === time ? c : -c;
      }
      return collate(toText(a), toText(b));
    }
  }
  if (a.t === 'str' && b.t === 'str') {
    const ta = looksTemporal(a.v) ? canonicalTemporal(a.v) : null;
    const tb = ta !== null && looksTemporal(b.v) ? canonicalTemporal(b.v) : null;
    return ta !== null && tb !== null ? compareCodePoints(ta, tb) : collate(a.v, b.v);
  }
  if ((a.t === 'bin' && (b.t === 'str' || b.t === 'bin')) || (b.t === 'bin' && a.t === 'str')) {
    return Buffer.compare(toBytes(a), toBytes(b));
  }
  return compareNumeric(toNumeric(a), toNumeric(b), allDigits);
}

export function arithmetic(op: ArithOp, l: Val, r: Val): Val {
  if (l === null || r === null) return null;
  const a = toNumeric(l);
  const b = toNumeric(r);
  if (a.t === 'dec' && b.t === 'dec') {
    const x = a.v;
    const y = b.v;
    const s = Math.max(x.s, y.s);
    const da = declaredScale(a);
    const db = declaredScale(b);
    switch (op) {
      case '+':
        return decVal({ m: rescale(x, s) + rescale(y, s), s }, Math.max(da, db));
      case '-':
        return decVal({ m: rescale(x, s) - rescale(y, s), s }, Math.max(da, db));
      case '*':
        return decVal({ m: x.m * y.m, s: x.s + y.s }, da + db);
      case '/': {
        if (y.m === 0n) return null;
        // Declared scale: the dividend's plus div_precision_increment (4); digits kept: that, rounded up to 9s, truncated.
        const declared = da + 4;
        const kept = Math.ceil(declared / 9) * 9;
        return decVal({ m: (x.m * pow10(kept + y.s)) / (y.m * pow10(x.s)), s: kept }, declared);
      }
      case 'DIV':
        return y.m === 0n ? null : dec(rescale(x, s) / rescale(y, s));
      case '%':
        return y.m === 0n ? null : decVal({ m: rescale(x, s) % rescale(y, s), s }, Math.max(da, db));
    }
  }
  const x = a.t === 'dec' ? decToNumber(a.v) : a.v;
  const y = b.t === 'dec' ? decToNumber(b.v) : b.v;
  switch (op) {
    case '+':
      return dbl(x + y);
    case '-':
      return dbl(x - y);
    case '*':
      return dbl(x * y);
    case '/':
      return y === 0 ? null : dbl(x / y);
    case 'DIV':
      return y === 0 || !Number.isFinite(x / y) ? null : dec(BigInt(Math.trunc(x / y)));
    case '%':
      return y === 0 ? null : dbl(x % y);
  }
}
