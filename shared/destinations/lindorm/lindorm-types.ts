/**
 * MySQL column types as LindormTable types, and the rules on a Lindorm primary key. Lindorm has 14
 * types (basic-data-types page: BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, FLOAT, DOUBLE,
 * DECIMAL(p,s) with p ≤ 38, VARCHAR, CHAR(N), BINARY(N), VARBINARY, DATE, TIME, TIMESTAMP) and no
 * UNSIGNED, so each MySQL type maps to one wide enough for all its values; BIT (reference 004: "Data of
 * the BIT type cannot be synchronized"), the spatial types and DECIMAL over 38 digits are refused.
 */
import type { ColumnInfo } from '../../mysql/catalog.ts';
import { maxValueBytes } from '../../mysql/value-size.ts';
import { LINDORM_LIMITS } from './lindorm-limits.ts';

export type LindormTypeName =
  | 'BOOLEAN' | 'TINYINT' | 'SMALLINT' | 'INTEGER' | 'BIGINT' | 'FLOAT' | 'DOUBLE' | 'DECIMAL'
  | 'VARCHAR' | 'CHAR' | 'BINARY' | 'VARBINARY' | 'DATE' | 'TIME' | 'TIMESTAMP';

export interface LindormType {
  readonly name: LindormTypeName;
  /** DECIMAL only. */
  readonly precision?: number;
  readonly scale?: number;
  /** CHAR(N), BINARY(N), and VARCHAR(N) when a table was created with one. */
  readonly length?: number;
}

export type TypeMapping = { readonly type: LindormType } | { readonly refusal: string };

const INTEGERS: Record<string, [signed: LindormTypeName, unsigned: LindormTypeName]> = {
  tinyint: ['TINYINT', 'SMALLINT'],
  smallint: ['SMALLINT', 'INTEGER'],
  mediumint: ['INTEGER', 'INTEGER'],
  int: ['INTEGER', 'BIGINT'],
  integer: ['INTEGER', 'BIGINT'],
};
const TEXT = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set', 'json', 'inet4', 'inet6', 'uuid']);
const BYTES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const SPATIAL = new Set(['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection', 'geomcollection']);
const SIMPLE: Record<string, LindormTypeName> = { float: 'FLOAT', double: 'DOUBLE', real: 'DOUBLE', year: 'SMALLINT', date: 'DATE', time: 'TIME', datetime: 'TIMESTAMP', timestamp: 'TIMESTAMP' };

/**
 * The Lindorm type of a MySQL column, or why it has none (docs/lindorm.md has the table). TINYINT(1) stays
 * TINYINT: BOOLEAN would lose the values other than 0 and 1 a TINYINT(1) can hold. BIGINT UNSIGNED
 * becomes DECIMAL(20,0), the only Lindorm type holding 2^64 - 1.
 */
export function lindormType(c: Pick<ColumnInfo, 'dataType' | 'columnType'>): TypeMapping {
  const t = c.dataType.toLowerCase();
  const unsigned = /\b(unsigned|zerofill)\b/i.test(c.columnType);
  const int = INTEGERS[t];
  if (int) return { type: { name: int[unsigned ? 1 : 0] } };
  if (t === 'bigint') return { type: unsigned ? { name: 'DECIMAL', precision: 20, scale: 0 } : { name: 'BIGINT' } };
  if (t === 'decimal' || t === 'numeric') return decimal(c.columnType);
  const simple = SIMPLE[t];
  if (simple) return { type: { name: simple } };
  if (TEXT.has(t)) return { type: { name: 'VARCHAR' } };
  if (BYTES.has(t)) return { type: { name: 'VARBINARY' } };
  if (t === 'bit') return { refusal: `${c.columnType}: Lindorm has no BIT type, and DTS does not synchronize BIT data (reference 004)` };
  if (SPATIAL.has(t)) return { refusal: `${c.columnType}: Lindorm has no spatial type` };
  return { refusal: `${c.columnType}: no Lindorm type holds this MySQL type` };
}

function decimal(columnType: string): TypeMapping {
  const m = /\((\d+)(?:\s*,\s*(\d+))?\)/.exec(columnType);
  const precision = m ? Number(m[1]) : 10;
  const scale = m?.[2] ? Number(m[2]) : 0;
  if (precision > LINDORM_LIMITS.decimalPrecision) {
    return { refusal: `${columnType}: ${precision} digits, over the ${LINDORM_LIMITS.decimalPrecision} of Lindorm's DECIMAL (and DTS fails a task whose DECIMAL precision differs between source and destination)` };
  }
  return { type: { name: 'DECIMAL', precision, scale } };
}

/** The type as Lindorm SQL writes it: `INTEGER`, `DECIMAL(20,0)`, `CHAR(8)`. */
export function typeText(t: LindormType): string {
  if (t.name === 'DECIMAL') return `DECIMAL(${t.precision ?? 10},${t.scale ?? 0})`;
  return t.length === undefined ? t.name : `${t.name}(${t.length})`;
}

const ALIASES: Record<string, LindormTypeName> = { INT: 'INTEGER', BOOL: 'BOOLEAN' };
const NAMES = new Set<string>(['BOOLEAN', 'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'FLOAT', 'DOUBLE', 'DECIMAL', 'VARCHAR', 'CHAR', 'BINARY', 'VARBINARY', 'DATE', 'TIME', 'TIMESTAMP']);

/** A Lindorm type as SQL or DESCRIBE writes it (`int`, `VARCHAR(50)`, `DECIMAL(10, 2)`); undefined when it is not one of the 14. */
export function parseLindormType(text: string): LindormType | undefined {
  const m = /^\s*([A-Za-z]+)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?\s*$/.exec(text);
  if (!m) return undefined;
  const word = m[1]!.toUpperCase();
  const name = (ALIASES[word] ?? word) as LindormTypeName;
  if (!NAMES.has(name)) return undefined;
  const [a, b] = [m[2], m[3]].map((x) => (x === undefined ? undefined : Number(x)));
  if (name === 'DECIMAL') {
    const precision = a ?? 10;
    const scale = b ?? 0;
    return precision >= 1 && precision <= LINDORM_LIMITS.decimalPrecision && scale <= precision ? { name, precision, scale } : undefined;
  }
  if (b !== undefined || (a !== undefined && !['VARCHAR', 'CHAR', 'BINARY', 'VARBINARY'].includes(name))) return undefined;
  return a === undefined ? { name } : { name, length: a };
}

/** Bytes a value of a fixed-size type takes (numbers at their binary width, temporals as 8, DECIMAL as its text); undefined for text and bytes. */
export function fixedBytes(t: LindormType): number | undefined {
  switch (t.name) {
    case 'BOOLEAN':
    case 'TINYINT':
      return 1;
    case 'SMALLINT':
      return 2;
    case 'INTEGER':
    case 'FLOAT':
      return 4;
    case 'BIGINT':
    case 'DOUBLE':
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
      return 8;
    case 'DECIMAL':
      return (t.precision ?? 10) + 2;
    default:
      return undefined;
  }
}

/** The largest value a source column can give a column of Lindorm type `t`, in bytes; undefined when unbounded or unknown. */
export function maxLindormBytes(t: LindormType, source: Pick<ColumnInfo, 'dataType' | 'columnType' | 'charset'>): number | undefined {
  return fixedBytes(t) ?? maxValueBytes(source);
}

export interface KeyColumnSpec {
  /** Destination name. */
  readonly name: string;
  readonly type: LindormType;
  /** maxLindormBytes of the column. */
  readonly maxBytes: number | undefined;
  readonly nullable: boolean;
}

export interface KeyVerdict {
  /** What Lindorm refuses: the table cannot be synchronized. */
  readonly refusals: readonly string[];
  /** What only some rows may break (they then follow the dirty-data policy). */
  readonly warnings: readonly string[];
}

/**
 * The Lindorm rules on a table's primary key (Quotas and limits: at most 5 columns, only the last may
 * be VARBINARY, at most 2 KB of key values a row) and reference 004's "at least one non-primary key field".
 */
export function keyVerdict(key: readonly KeyColumnSpec[], nonKeyColumns: number): KeyVerdict {
  const refusals: string[] = [];
  const warnings: string[] = [];
  const limit = LINDORM_LIMITS.primaryKeyColumns;
  if (key.length === 0) refusals.push('no primary key nor NOT NULL unique key: Lindorm tables need a primary key (name one with primaryKey)');
  if (key.length > limit) refusals.push(`${key.length} key columns (${key.map((k) => k.name).join(', ')}), but a Lindorm primary key has at most ${limit}`);
  const varbinary = key.slice(0, -1).filter((k) => k.type.name === 'VARBINARY');
  if (varbinary.length > 0) refusals.push(`VARBINARY key column ${varbinary.map((k) => k.name).join(', ')} is not the last key column, and Lindorm allows VARBINARY only there`);
  if (nonKeyColumns === 0 && key.length > 0) refusals.push('every synchronized column is a key column: Lindorm needs at least one non-key column (reference 004)');
  const nullable = key.filter((k) => k.nullable);
  if (nullable.length > 0) warnings.push(`key column ${nullable.map((k) => k.name).join(', ')} can be NULL on the source: such rows cannot be written`);
  const bound = key.every((k) => k.maxBytes !== undefined) ? key.reduce((sum, k) => sum + k.maxBytes!, 0) : undefined;
  if (key.length > 0 && (bound === undefined || bound > LINDORM_LIMITS.primaryKeyBytes)) {
    warnings.push(`key values can reach ${bound === undefined ? 'any length' : `${bound} bytes`}, over Lindorm's ${LINDORM_LIMITS.primaryKeyBytes} bytes a row's key: longer keys cannot be written`);
  }
  return { refusals, warnings };
}
