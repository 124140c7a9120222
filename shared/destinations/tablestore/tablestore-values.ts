/**
 * How MySQL values become Tablestore values (README, "Tablestore destinations"). Tablestore types only
 * the primary-key columns (INTEGER, STRING, BINARY); attribute columns take whatever each write gives
 * them (INTEGER int64, DOUBLE, BOOLEAN, STRING, BINARY), so the mapping is applied per value, the same
 * way for a full-load row and for a binlog change, and NULL is an absent column.
 */
import TableStore from 'tablestore';
import type { CellValue } from '../../change/change-event.ts';
import type { ColumnInfo } from '../../mysql/catalog.ts';

const { Long } = TableStore;

/**
 * - `integer`: TINYINT…BIGINT signed, TINYINT…INT UNSIGNED, YEAR → INTEGER;
 * - `exact`: BIGINT UNSIGNED (may exceed int64) and DECIMAL → STRING with the exact digits;
 * - `float`: FLOAT → DOUBLE holding the shortest decimal that reads back as the same float32 (what MySQL prints);
 * - `double`: DOUBLE → DOUBLE;
 * - `boolean`: BOOL (TINYINT(1)) and BIT(1) → BOOLEAN; a TINYINT(1) value other than 0 or 1 stays an INTEGER;
 * - `string`: text, ENUM, SET, JSON, DATE, TIME, DATETIME, TIMESTAMP (UTC) as the server prints them → STRING;
 * - `binary`: BINARY, VARBINARY, BLOB, BIT(n > 1) (big-endian), spatial types (the server's internal form) → BINARY.
 */
export type ValueKind = 'integer' | 'exact' | 'float' | 'double' | 'boolean' | 'string' | 'binary';

export type { PrimaryKeyType } from '../../tablestore/tablestore-client.ts';
import type { PrimaryKeyType } from '../../tablestore/tablestore-client.ts';

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year']);
const BINARY_TYPES = new Set([
  'binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'bit',
  'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection',
]);

export function valueKind(col: Pick<ColumnInfo, 'dataType' | 'columnType'>): ValueKind {
  const t = col.dataType.toLowerCase();
  const full = col.columnType.toLowerCase();
  if (t === 'tinyint' && /^tinyint\(1\)/.test(full)) return 'boolean';
  if (t === 'bit' && /^bit\(1\)/.test(full)) return 'boolean';
  if (t === 'bigint' && full.includes('unsigned')) return 'exact';
  if (INTEGER_TYPES.has(t)) return 'integer';
  if (t === 'decimal' || t === 'numeric') return 'exact';
  if (t === 'float') return 'float';
  if (t === 'double' || t === 'real') return 'double';
  if (BINARY_TYPES.has(t)) return 'binary';
  return 'string';
}

/**
 * The kind of a column as a binlog event describes it (`columnType`: INFORMATION_SCHEMA-style, from
 * the event's TableMap, see RowChange.types), so values follow the schema in force when the row was
 * written rather than the one at the task's start. The binlog carries no display widths: a `tinyint`
 * the task's start knew as TINYINT(1) (`start` = boolean) stays boolean.
 */
export function eventKind(columnType: string, start: ValueKind | undefined): ValueKind {
  const kind = valueKind({ dataType: /^[a-z]+/i.exec(columnType)?.[0] ?? '', columnType });
  return kind === 'integer' && start === 'boolean' && /^tinyint\b/i.test(columnType) ? 'boolean' : kind;
}

/** The primary-key type a column of this kind takes; undefined when Tablestore keys cannot hold it. */
export function primaryKeyType(kind: ValueKind): PrimaryKeyType | undefined {
  switch (kind) {
    case 'integer':
      return 'INTEGER';
    case 'exact':
    case 'string':
      return 'STRING';
    case 'binary':
      return 'BINARY';
    default:
      return undefined; // DOUBLE and BOOLEAN are not key types
  }
}

export type TablestoreValue = TableStore.ColumnValue;

/** Thrown for a value the column's kind cannot represent (the dirty-data policy applies to its row). */
export class UnrepresentableValue extends Error {
  constructor(column: string, kind: ValueKind, value: unknown) {
    super(`column ${column}: ${JSON.stringify(value)} cannot be written as a Tablestore ${kind} value`);
    this.name = 'UnrepresentableValue';
  }
}

/** A binlog change's value (change-event.ts) as Tablestore takes it; null for NULL (the column is left out or deleted). */
export function fromCell(column: string, kind: ValueKind | undefined, v: CellValue): TablestoreValue | null {
  if (v === null) return null;
  switch (kind ?? inferredKind(v)) {
    case 'integer':
      if (typeof v === 'number' && Number.isInteger(v)) return Long.fromNumber(v);
      if (typeof v === 'object' && 'n' in v && /^-?\d+$/.test(v.n)) return Long.fromString(v.n);
      break;
    case 'exact':
      if (typeof v === 'number') return String(v);
      if (typeof v === 'object' && 'n' in v) return v.n;
      break;
    case 'float':
      if (typeof v === 'number') return shortestFloat32(v);
      break;
    case 'double':
      if (typeof v === 'number') return v;
      break;
    case 'boolean':
      if (typeof v === 'number') return v === 0 ? false : v === 1 ? true : Long.fromNumber(v);
      if (typeof v === 'object' && 'b' in v) return Buffer.from(v.b, 'base64').some((b) => b !== 0);
      break;
    case 'string':
      if (typeof v === 'string') return v;
      if (typeof v === 'number') return String(v);
      if (typeof v === 'object' && 'n' in v) return v.n;
      break;
    case 'binary':
      if (typeof v === 'object' && 'b' in v) return Buffer.from(v.b, 'base64');
      if (typeof v === 'string') return Buffer.from(v, 'utf8');
      break;
  }
  throw new UnrepresentableValue(column, kind ?? inferredKind(v), v);
}

/** A column the mapping has no type for (added on the source after the task started): judged by its value. */
function inferredKind(v: Exclude<CellValue, null>): ValueKind {
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'double';
  if (typeof v === 'string') return 'string';
  return 'n' in v ? 'exact' : 'binary';
}

/**
 * A full-load value read with the text protocol (`typeCast: false`: the server's own text, bytes for
 * binary columns). FLOAT columns are selected as DOUBLE (`col + 0e0`, see sourceExpression), so
 * they arrive as the float32's exact double like binlog values do.
 */
export function fromText(column: string, kind: ValueKind, raw: Buffer | null): TablestoreValue | null {
  if (raw === null) return null;
  switch (kind) {
    case 'integer':
      return Long.fromString(raw.toString('latin1'));
    case 'exact':
    case 'string':
      return raw.toString('utf8');
    case 'float':
      return shortestFloat32(Number(raw.toString('latin1')));
    case 'double':
      return Number(raw.toString('latin1'));
    case 'boolean': {
      // TINYINT(1) arrives as digits, BIT(1) as one byte.
      if (raw.length === 1 && raw[0]! < 2) return raw[0] === 1;
      const text = raw.toString('latin1');
      if (!/^-?\d+$/.test(text)) throw new UnrepresentableValue(column, kind, text);
      return text === '0' ? false : text === '1' ? true : Long.fromString(text);
    }
    case 'binary':
      return Buffer.from(raw);
  }
}

/** The SELECT expression that reads a column for fromText. */
export function sourceExpression(kind: ValueKind, quotedColumn: string): string {
  return kind === 'float' ? `(${quotedColumn} + 0e0)` : quotedColumn;
}

/** The float32 `f` (given as its exact double) as the shortest decimal that reads back as the same float32. */
export function shortestFloat32(f: number): number {
  if (!Number.isFinite(f) || f === 0) return f;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(f.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

/** A value read back (GetRange) in a form two reads can be compared by: type and exact content. */
export function comparable(v: TablestoreValue): string {
  if (typeof v === 'boolean') return `bool:${v}`;
  if (typeof v === 'number') return `double:${Object.is(v, -0) ? '-0' : String(v)}`;
  if (typeof v === 'string') return `string:${v}`;
  if (Buffer.isBuffer(v)) return `binary:${v.toString('hex')}`;
  return `integer:${v.toString()}`;
}
