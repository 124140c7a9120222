/**
 * A binary JSON OPAQUE value (a MySQL column value kept with its column type) as the server prints it
 * (sql-common/json_dom.cc wrapper_to_string, Json_wrapper::type): DECIMAL as an unquoted number,
 * DATE/TIME/DATETIME/TIMESTAMP as quoted text with six fraction digits (my_TIME_to_str(t, 6); a
 * DATE has no time part), VAR_STRING as a string, and every other type as
 * `"base64:type<N>:<base64>"` — BIT is type 16, a BLOB 252, a VARCHAR 15.
 */
import { decimalReader } from './mysql-decimal.ts';
import { MysqlJsonError } from './mysql-json-error.ts';
import { mysqlJsonQuote } from './mysql-json-quote.ts';

/** enum_field_types (include/field_types.h) of the opaque types MySQL prints as values. */
const FieldType = { TIMESTAMP: 7, DATE: 10, TIME: 11, DATETIME: 12, NEWDECIMAL: 246, VAR_STRING: 253 } as const;

/** DECIMAL limits: DECIMAL_MAX_PRECISION and DECIMAL_MAX_SCALE (include/decimal.h). */
const MAX_PRECISION = 65;
const MAX_SCALE = 30;

/** The JSON text of an opaque value of `fieldType` whose data starts at offset `at` of the JSON value. */
export function opaqueText(fieldType: number, data: Buffer, at: number): string {
  switch (fieldType) {
    case FieldType.NEWDECIMAL:
      return decimalText(data, at);
    case FieldType.DATE:
      return mysqlJsonQuote(dateText(packed(data, at, 'date')));
    case FieldType.DATETIME:
    case FieldType.TIMESTAMP: {
      const v = packed(data, at, 'datetime');
      return mysqlJsonQuote(`${dateText(v)} ${clockText((magnitude(v) >> 24n) & 0x1ffffn, v)}`);
    }
    case FieldType.TIME:
      return mysqlJsonQuote(timeText(packed(data, at, 'time')));
    case FieldType.VAR_STRING:
      return mysqlJsonQuote(data.toString('utf8'));
    default:
      return mysqlJsonQuote(`base64:type${fieldType}:${mysqlBase64(data)}`);
  }
}

/** Opaque DECIMAL: precision and scale bytes, then the binary DECIMAL (strings/decimal.c). */
function decimalText(data: Buffer, at: number): string {
  if (data.length < 2) throw new MysqlJsonError(`opaque decimal of ${data.length} bytes is too short`, at);
  const precision = data[0]!;
  const scale = data[1]!;
  if (precision < 1 || precision > MAX_PRECISION || scale > MAX_SCALE || scale > precision) {
    throw new MysqlJsonError(`opaque decimal has precision ${precision} and scale ${scale}`, at);
  }
  const reader = decimalReader(precision, scale);
  if (data.length < 2 + reader.size) {
    throw new MysqlJsonError(`opaque decimal(${precision},${scale}) needs ${2 + reader.size} bytes, has ${data.length}`, at);
  }
  return reader.read(data, 2);
}

/** Temporal opaques hold a packed 64-bit integer, little-endian (sql-common/my_time.c TIME_to_longlong_*_packed). */
function packed(data: Buffer, at: number, what: string): bigint {
  if (data.length < 8) throw new MysqlJsonError(`opaque ${what} of ${data.length} bytes is too short (8 needed)`, at);
  return data.readBigInt64LE(0);
}

/**
 * Packed DATETIME: bits 24 and up hold ((year*13+month) << 5 | day) << 17 | hour << 12 | minute << 6
 * | second, the low 24 bits the microseconds (TIME_from_longlong_datetime_packed).
 */
function dateText(v: bigint): string {
  const ymd = Number(magnitude(v) >> 41n);
  const yearMonth = ymd >> 5;
  return `${pad(Math.floor(yearMonth / 13), 4)}-${pad(yearMonth % 13, 2)}-${pad(ymd & 0x1f, 2)}`;
}

/** hh:mm:ss.ffffff of a packed value's hour-minute-second bits and microseconds; hours may pass 99 (TIME). */
function clockText(hms: bigint, v: bigint): string {
  const h = Number(hms);
  const micros = Number(magnitude(v) & 0xffffffn);
  return `${pad(h >> 12, 2)}:${pad((h >> 6) & 0x3f, 2)}:${pad(h & 0x3f, 2)}.${pad(micros, 6)}`;
}

/** Packed TIME: the sign of the whole integer, then hour (10 bits) << 12 | minute << 6 | second above 24 bits of microseconds. */
function timeText(v: bigint): string {
  return (v < 0n ? '-' : '') + clockText((magnitude(v) >> 24n) & 0x3fffffn, v);
}

/** Packed values are sign and magnitude: a negative TIME is the negated positive one. */
function magnitude(v: bigint): bigint {
  return v < 0n ? -v : v;
}

/** mysys/base64.cc base64_encode: standard alphabet with padding, a newline after every 76 characters. */
function mysqlBase64(data: Buffer): string {
  const text = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join('\n');
}

function pad(v: number, width: number): string {
  return String(v).padStart(width, '0');
}
