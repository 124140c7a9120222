/**
 * MySQL's binary JSON (the bytes of a JSON column in a MySQL row event; MariaDB writes JSON as text)
 * as exactly the text MySQL itself prints for the value (`SELECT json_col`): `, ` and `: `
 * separators, object members in their stored order, strings quoted as the server quotes them,
 * doubles as the server prints them (1.0 stays `1.0`), opaque values as mysql-json-opaque.ts says.
 *
 * Format: mysql-server sql-common/json_binary.cc (and its header's format description). A value is
 * a type byte and its data; an object or array has a count and a byte size (2 bytes each in the
 * small form, 4 in the large), an entry per key (offset, 2-byte length), an entry per value (type
 * byte, then the value itself when it fits the offset field — literals and 16-bit integers, 32-bit
 * ones too in the large form — else its offset), all offsets counted from the container's start.
 * Key names are only ever text here: no JS object is built from them.
 */
import { mysqlDoubleText } from './mysql-double.ts';
import { MysqlJsonError } from './mysql-json-error.ts';
import { opaqueText } from './mysql-json-opaque.ts';
import { mysqlJsonQuote } from './mysql-json-quote.ts';

export { MysqlJsonError } from './mysql-json-error.ts';

const Type = {
  SMALL_OBJECT: 0, LARGE_OBJECT: 1, SMALL_ARRAY: 2, LARGE_ARRAY: 3, LITERAL: 4, INT16: 5, UINT16: 6,
  INT32: 7, UINT32: 8, INT64: 9, UINT64: 10, DOUBLE: 11, STRING: 12, OPAQUE: 15,
} as const;

const LITERALS = ['null', 'true', 'false'];

/** JSON_DOCUMENT_MAX_DEPTH (sql-common/json_syntax_check.h): the server stores nothing deeper. */
const MAX_DEPTH = 100;

/** The text of one binary JSON value. An empty value (0 bytes) is JSON null, as the server reads it (sql/field.cc Field_json::val_json). */
export function mysqlJsonToText(bytes: Buffer): string {
  if (bytes.length === 0) return 'null';
  return new BinaryJson(bytes).value(bytes[0]!, 0, 1, bytes.length, 0);
}

/** Where a container's parts lie: its start, the end of its bytes, the end of its entries. */
interface Container {
  readonly start: number;
  readonly end: number;
  readonly entriesEnd: number;
  readonly large: boolean;
}

class BinaryJson {
  constructor(private readonly b: Buffer) {}

  /** The value of `type` (its type byte at `typeAt`) whose data starts at `at` and must end by `end`. */
  value(type: number, typeAt: number, at: number, end: number, depth: number): string {
    const b = this.b;
    switch (type) {
      case Type.SMALL_OBJECT:
      case Type.LARGE_OBJECT:
      case Type.SMALL_ARRAY:
      case Type.LARGE_ARRAY:
        return this.container(type, at, end, depth + 1);
      case Type.LITERAL:
        return this.literal(at, end);
      case Type.INT16:
        return String(b.readInt16LE(this.need(at, 2, end, 'int16')));
      case Type.UINT16:
        return String(b.readUInt16LE(this.need(at, 2, end, 'uint16')));
      case Type.INT32:
        return String(b.readInt32LE(this.need(at, 4, end, 'int32')));
      case Type.UINT32:
        return String(b.readUInt32LE(this.need(at, 4, end, 'uint32')));
      case Type.INT64:
        return b.readBigInt64LE(this.need(at, 8, end, 'int64')).toString();
      case Type.UINT64:
        return b.readBigUInt64LE(this.need(at, 8, end, 'uint64')).toString();
      case Type.DOUBLE:
        return doubleText(b.readDoubleLE(this.need(at, 8, end, 'double')));
      case Type.STRING: {
        const [start, length] = this.varData(at, end, 'string');
        return mysqlJsonQuote(b.toString('utf8', start, start + length));
      }
      case Type.OPAQUE: {
        const fieldType = b[this.need(at, 1, end, 'opaque value type')]!;
        const [start, length] = this.varData(at + 1, end, 'opaque value');
        return opaqueText(fieldType, b.subarray(start, start + length), start);
      }
      default:
        throw unknownType(type, typeAt);
    }
  }

  private container(type: number, at: number, end: number, depth: number): string {
    const isObject = type === Type.SMALL_OBJECT || type === Type.LARGE_OBJECT;
    const kind = isObject ? 'object' : 'array';
    if (depth > MAX_DEPTH) throw new MysqlJsonError(`${kind} nested deeper than ${MAX_DEPTH} levels`, at);
    const large = type === Type.LARGE_OBJECT || type === Type.LARGE_ARRAY;
    const w = large ? 4 : 2;
    this.need(at, 2 * w, end, `${kind} header`);
    const count = this.b.readUIntLE(at, w);
    const size = this.b.readUIntLE(at + w, w);
    if (size > end - at) throw new MysqlJsonError(`${kind} of ${size} bytes runs past the end of its value (${end - at} bytes left)`, at);
    const keysAt = at + 2 * w;
    const valuesAt = keysAt + (isObject ? count * (w + 2) : 0);
    const c: Container = { start: at, end: at + size, entriesEnd: valuesAt + count * (1 + w), large };
    if (c.entriesEnd > c.end) throw new MysqlJsonError(`${kind} of ${size} bytes is too small for its ${count} entries`, at);
    const parts = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      const v = this.entry(c, valuesAt + i * (1 + w), depth);
      parts[i] = isObject ? `${this.key(c, keysAt + i * (w + 2))}: ${v}` : v;
    }
    return isObject ? `{${parts.join(', ')}}` : `[${parts.join(', ')}]`;
  }

  private key(c: Container, entryAt: number): string {
    const w = c.large ? 4 : 2;
    const start = c.start + this.b.readUIntLE(entryAt, w);
    const length = this.b.readUInt16LE(entryAt + w);
    if (start < c.entriesEnd || start + length > c.end) {
      throw new MysqlJsonError(`key of ${length} bytes at offset ${start} lies outside its object (${c.entriesEnd}..${c.end})`, entryAt);
    }
    return mysqlJsonQuote(this.b.toString('utf8', start, start + length));
  }

  private entry(c: Container, entryAt: number, depth: number): string {
    const type = this.b[entryAt]!;
    const w = c.large ? 4 : 2;
    if (isInlined(type, c.large)) return this.value(type, entryAt, entryAt + 1, entryAt + 1 + w, depth);
    if (!isKnown(type)) throw unknownType(type, entryAt);
    const start = c.start + this.b.readUIntLE(entryAt + 1, w);
    if (start < c.entriesEnd || start >= c.end) {
      throw new MysqlJsonError(`value at offset ${start} lies outside its container (${c.entriesEnd}..${c.end})`, entryAt);
    }
    return this.value(type, entryAt, start, c.end, depth);
  }

  private literal(at: number, end: number): string {
    const v = this.b[this.need(at, 1, end, 'literal')]!;
    const text = LITERALS[v];
    if (text === undefined) throw new MysqlJsonError(`unknown literal 0x${v.toString(16).padStart(2, '0')}`, at);
    return text;
  }

  /** A length-prefixed run of bytes: the length in 1 to 5 bytes of 7 bits each, low bits first, a set top bit meaning "more". */
  private varData(at: number, end: number, what: string): [start: number, length: number] {
    let length = 0;
    for (let i = 0; i < 5; i++) {
      const byte = this.b[this.need(at + i, 1, end, `${what} length`)]!;
      length += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return [at + i + 1, this.needLength(at + i + 1, length, end, what)];
    }
    throw new MysqlJsonError(`${what} length runs over 5 bytes`, at);
  }

  private needLength(at: number, length: number, end: number, what: string): number {
    this.need(at, length, end, what);
    return length;
  }

  /** `at`, once `n` bytes are there before `end`. */
  private need(at: number, n: number, end: number, what: string): number {
    if (at + n > end) throw new MysqlJsonError(`${what} needs ${n} bytes, ${Math.max(0, end - at)} left`, at);
    return at;
  }
}

function unknownType(type: number, at: number): MysqlJsonError {
  return new MysqlJsonError(`unknown value type 0x${type.toString(16).padStart(2, '0')}`, at);
}

function isKnown(type: number): boolean {
  return type <= Type.STRING || type === Type.OPAQUE;
}

/** Values kept in the entry itself (json_binary.cc inlined_type). */
function isInlined(type: number, large: boolean): boolean {
  return type === Type.LITERAL || type === Type.INT16 || type === Type.UINT16 || (large && (type === Type.INT32 || type === Type.UINT32));
}

/** A JSON double keeps a `.0` when my_gcvt printed neither a point nor an exponent (json_dom.cc wrapper_to_string). */
function doubleText(d: number): string {
  const text = mysqlDoubleText(d);
  return /[.e]/.test(text) ? text : text + '.0';
}
