/**
 * MaxCompute column types fc-dts reads and writes, their parsing from the service's type strings
 * (`decimal(38,18)`, `varchar(64)`, `array<string>`, `struct<a:int,b:string>`), and the JS value of each type.
 *
 * Value per type (null is NULL for every type):
 *   TINYINT, SMALLINT, INT        number (an integer in the type's range; a bigint is accepted when writing)
 *   BIGINT                        bigint (a safe-integer number is accepted when writing)
 *   FLOAT, DOUBLE                 number
 *   DECIMAL(p,s)                  string, exact plain decimal text ("-12.340"); never a float
 *   STRING                        string; a Buffer when the stored bytes are not valid UTF-8 (STRING holds bytes)
 *   VARCHAR(n), CHAR(n), JSON     string (JSON: the JSON text)
 *   BINARY                        Buffer (any Uint8Array is accepted when writing)
 *   BOOLEAN                       boolean
 *   DATETIME                      number: epoch milliseconds, an instant (the wire carries epoch ms)
 *   DATE                          string 'YYYY-MM-DD' (proleptic Gregorian; the wire carries epoch days)
 *   TIMESTAMP, TIMESTAMP_NTZ      { seconds, nanos }: epoch seconds (floor) and 0 ≤ nanos < 1e9
 *   ARRAY<T>                      an array of T values
 *   MAP<K,V>                      a Map from K values to V values
 *   STRUCT<f:T,…>                 an object with one property per field
 */
import { FcDtsError } from '../errors.ts';

export type PrimitiveTypeName =
  | 'TINYINT'
  | 'SMALLINT'
  | 'INT'
  | 'BIGINT'
  | 'FLOAT'
  | 'DOUBLE'
  | 'STRING'
  | 'BINARY'
  | 'BOOLEAN'
  | 'DATETIME'
  | 'DATE'
  | 'TIMESTAMP'
  | 'TIMESTAMP_NTZ'
  | 'JSON';

export type MaxComputeType =
  | { readonly kind: PrimitiveTypeName }
  /** precision/scale undefined: the unparameterised 1.0 `DECIMAL` (up to 36 integer and 18 fraction digits). */
  | { readonly kind: 'DECIMAL'; readonly precision: number | undefined; readonly scale: number | undefined }
  | { readonly kind: 'VARCHAR' | 'CHAR'; readonly length: number }
  | { readonly kind: 'ARRAY'; readonly element: MaxComputeType }
  | { readonly kind: 'MAP'; readonly key: MaxComputeType; readonly value: MaxComputeType }
  | { readonly kind: 'STRUCT'; readonly fields: readonly StructField[] };

export interface StructField {
  readonly name: string;
  readonly type: MaxComputeType;
}

export interface MaxComputeTimestamp {
  /** Seconds since 1970-01-01T00:00:00Z, rounded down (so a negative instant has positive nanos). */
  readonly seconds: number;
  /** 0 ≤ nanos < 1,000,000,000. */
  readonly nanos: number;
}

export type MaxComputeValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | MaxComputeTimestamp
  | readonly MaxComputeValue[]
  | ReadonlyMap<MaxComputeValue, MaxComputeValue>
  | { readonly [field: string]: MaxComputeValue };

/** A row: one value per (data) column, in column order. */
export type MaxComputeRow = readonly MaxComputeValue[];

/** A type string fc-dts cannot parse or does not support (e.g. INTERVAL_DAY_TIME, GEOGRAPHY). */
export class MaxComputeTypeError extends FcDtsError {
  constructor(typeText: string, reason: string) {
    super(
      'SCHEMA_MISMATCH',
      `MaxCompute type '${typeText}': ${reason}`,
      'use a supported column type (see docs/maxcompute-client.md) or leave the column out of the task',
    );
  }
}

const PRIMITIVES: ReadonlySet<string> = new Set<PrimitiveTypeName>([
  'TINYINT', 'SMALLINT', 'INT', 'BIGINT', 'FLOAT', 'DOUBLE', 'STRING', 'BINARY', 'BOOLEAN',
  'DATETIME', 'DATE', 'TIMESTAMP', 'TIMESTAMP_NTZ', 'JSON',
]);

/** Parses a MaxCompute type string, case-insensitively (`bigint`, `DECIMAL(38, 18)`, `map<string,array<int>>`). */
export function parseType(text: string): MaxComputeType {
  const p = new TypeParser(text);
  const type = p.type();
  p.end();
  return type;
}

/** The parsed type, or undefined for a type fc-dts does not support (a table may still hold such columns). */
export function tryParseType(text: string): MaxComputeType | undefined {
  try {
    return parseType(text);
  } catch {
    return undefined;
  }
}

/** The canonical upper-case spelling: `DECIMAL(38,18)`, `ARRAY<STRING>`, `STRUCT<a:INT,b:STRING>`. */
export function formatType(type: MaxComputeType): string {
  switch (type.kind) {
    case 'DECIMAL':
      return type.precision === undefined ? 'DECIMAL' : `DECIMAL(${type.precision},${type.scale ?? 0})`;
    case 'VARCHAR':
    case 'CHAR':
      return `${type.kind}(${type.length})`;
    case 'ARRAY':
      return `ARRAY<${formatType(type.element)}>`;
    case 'MAP':
      return `MAP<${formatType(type.key)},${formatType(type.value)}>`;
    case 'STRUCT':
      return `STRUCT<${type.fields.map((f) => `${f.name}:${formatType(f.type)}`).join(',')}>`;
    default:
      return type.kind;
  }
}

/** Integer range per integer type, for checks when writing. */
export const INTEGER_RANGES = {
  TINYINT: [-128n, 127n],
  SMALLINT: [-32768n, 32767n],
  INT: [-2147483648n, 2147483647n],
  BIGINT: [-9223372036854775808n, 9223372036854775807n],
} as const satisfies Record<string, readonly [bigint, bigint]>;

const DAY_MS = 86_400_000;

/** 'YYYY-MM-DD' → days since 1970-01-01 (negative before); undefined when not a real calendar date in 0001–9999. */
export function dateToEpochDays(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1) return undefined;
  const at = new Date(0);
  at.setUTCFullYear(y, mo - 1, d); // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999
  if (at.getUTCFullYear() !== y || at.getUTCMonth() !== mo - 1 || at.getUTCDate() !== d) return undefined;
  return Math.round(at.getTime() / DAY_MS);
}

/** Days since 1970-01-01 → 'YYYY-MM-DD'. */
export function epochDaysToDate(days: number): string {
  const at = new Date(days * DAY_MS);
  const y = at.getUTCFullYear();
  const year = y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0');
  return `${year}-${pad2(at.getUTCMonth() + 1)}-${pad2(at.getUTCDate())}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** A tiny recursive-descent parser over the type grammar; identifiers may be back-quoted in STRUCT fields. */
class TypeParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  type(): MaxComputeType {
    const name = this.word().toUpperCase();
    if (name === 'DECIMAL') return this.decimal();
    if (name === 'VARCHAR' || name === 'CHAR') {
      const [length] = this.numbers(1, 1);
      return { kind: name, length: length! };
    }
    if (name === 'ARRAY') {
      this.expect('<');
      const element = this.type();
      this.expect('>');
      return { kind: 'ARRAY', element };
    }
    if (name === 'MAP') {
      this.expect('<');
      const key = this.type();
      this.expect(',');
      const value = this.type();
      this.expect('>');
      return { kind: 'MAP', key, value };
    }
    if (name === 'STRUCT') return this.struct();
    if (PRIMITIVES.has(name)) return { kind: name as PrimitiveTypeName };
    throw this.fail(name === '' ? 'a type name expected' : `type ${name} is not supported`);
  }

  end(): void {
    this.skipSpace();
    if (this.pos < this.text.length) throw this.fail(`unexpected '${this.text.slice(this.pos)}'`);
  }

  private decimal(): MaxComputeType {
    this.skipSpace();
    if (this.text[this.pos] !== '(') return { kind: 'DECIMAL', precision: undefined, scale: undefined };
    const [precision, scale = 0] = this.numbers(1, 2);
    if (precision! < 1 || precision! > 38 || scale > precision!) throw this.fail('DECIMAL needs 1 ≤ precision ≤ 38 and scale ≤ precision');
    return { kind: 'DECIMAL', precision: precision!, scale };
  }

  private struct(): MaxComputeType {
    this.expect('<');
    const fields: StructField[] = [];
    do {
      const name = this.fieldName();
      this.expect(':');
      fields.push({ name, type: this.type() });
    } while (this.accept(','));
    this.expect('>');
    return { kind: 'STRUCT', fields };
  }

  private fieldName(): string {
    this.skipSpace();
    if (this.text[this.pos] !== '`') return this.word();
    const close = this.text.indexOf('`', this.pos + 1);
    if (close < 0) throw this.fail('unclosed back quote');
    const name = this.text.slice(this.pos + 1, close);
    this.pos = close + 1;
    return name;
  }

  private numbers(min: number, max: number): number[] {
    this.expect('(');
    const out: number[] = [];
    do {
      this.skipSpace();
      const m = /^\d+/.exec(this.text.slice(this.pos));
      if (m === null) throw this.fail('a number expected');
      out.push(Number(m[0]));
      this.pos += m[0].length;
    } while (this.accept(','));
    this.expect(')');
    if (out.length < min || out.length > max) throw this.fail(`expected ${min === max ? min : `${min}–${max}`} parameter(s)`);
    return out;
  }

  private word(): string {
    this.skipSpace();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (m === null) return '';
    this.pos += m[0].length;
    return m[0];
  }

  private accept(ch: string): boolean {
    this.skipSpace();
    if (this.text[this.pos] !== ch) return false;
    this.pos++;
    return true;
  }

  private expect(ch: string): void {
    if (!this.accept(ch)) throw this.fail(`'${ch}' expected at position ${this.pos}`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private fail(reason: string): MaxComputeTypeError {
    return new MaxComputeTypeError(this.text, reason);
  }
}
