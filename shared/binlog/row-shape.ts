/**
 * How the rows of a TABLE_MAP become the reader's rows: the column names and COLUMN_TYPEs, from the
 * TABLE_MAP itself (binlog_row_metadata=FULL) or from the schema history's definition of the table at
 * the event (MySQL 5.7, MINIMAL metadata, the PolarDB-X global binlog), and each image as a record of
 * lossless values. A partial image (binlog_row_image MINIMAL/NOBLOB) or a partial JSON value is never
 * passed on as if it were whole.
 */
import type { CellValue } from '../change/change-event.ts';
import { FcDtsError } from '../errors.ts';
import type { ColumnDefinition, TableDefinition as HistoryDefinition } from '../schema-history/table-definition.ts';
import { ColumnType } from './column-type.ts';
import { withDefinition } from './definition-values.ts';
import type { JsonDiffValue, RowImage } from './events/binlog-event.ts';
import { VECTOR_TYPE, type TableColumn, type TableDefinition } from './events/table-definition.ts';
import { applyJsonDiffs } from './json-diff-apply.ts';

export interface RowShape {
  readonly columns: readonly string[];
  /** INFORMATION_SCHEMA-style COLUMN_TYPE without display widths (`int`, `varchar(20)`, `bigint unsigned`). */
  readonly columnTypes: readonly string[];
  /** The history's columns, where the TABLE_MAP lacked what values need (signedness, charset, ENUM/SET members). */
  readonly definitions?: readonly ColumnDefinition[];
}

export function shapeOfTableMap(t: TableDefinition): RowShape {
  return { columns: t.columns.map((c) => c.name!), columnTypes: t.columns.map(columnTypeOf) };
}

export function shapeOfDefinition(def: HistoryDefinition): RowShape {
  return { columns: def.columns.map((c) => c.name), columnTypes: def.columns.map((c) => withoutDisplayWidth(c.columnType)), definitions: def.columns };
}

export function hasColumnNames(t: TableDefinition): boolean {
  return t.columns.every((c) => c.name !== undefined);
}

/** One image as a record in column order; `before` is the row's before image, for a partial JSON after image. */
export function imageRecord(img: RowImage, table: TableDefinition, shape: RowShape, before?: Record<string, CellValue>): Record<string, CellValue> {
  if (img.partial) throw partialImageError(table);
  const { columns, definitions } = shape;
  const row: Record<string, CellValue> = {};
  const values = img.values;
  for (let i = 0; i < columns.length; i++) {
    const v = values[i]!;
    const name = columns[i]!;
    if (v !== null && typeof v === 'object' && 'jsonDiffs' in v) {
      row[name] = partialJson(v, before?.[name], table, name);
      continue;
    }
    const def = definitions?.[i];
    defineValue(row, name, def ? withDefinition(v as CellValue, table.columns[i]!, def) : (v as CellValue));
  }
  return row;
}

/** A column may be named `__proto__`: plain assignment would set the record's prototype instead. */
function defineValue(row: Record<string, CellValue>, name: string, value: CellValue): void {
  if (name === '__proto__') Object.defineProperty(row, name, { value, enumerable: true, writable: true, configurable: true });
  else row[name] = value;
}

function partialJson(v: JsonDiffValue, before: CellValue | undefined, table: TableDefinition, column: string): CellValue {
  if (typeof before !== 'string') {
    throw new FcDtsError(
      'PRECHECK_FAILED',
      `the source binlog has a partial JSON update of ${table.database}.${table.table}.${column} whose before value is ${before === null ? 'NULL' : 'missing'}, so the new value cannot be derived`,
      "run SET GLOBAL binlog_row_value_options = '' on the source, then delete the state directory and run again",
    );
  }
  return applyJsonDiffs(before, v.jsonDiffs);
}

function partialImageError(table: TableDefinition): FcDtsError {
  return new FcDtsError(
    'PRECHECK_FAILED',
    `the source binlog has a partial row image for ${table.database}.${table.table} (binlog_row_image is not FULL), so unchanged columns cannot be told from NULL`,
    'run SET GLOBAL binlog_row_image = FULL on the source (and in its configuration file), then delete the state directory and run again',
  );
}

/** `int(11) unsigned zerofill` → `int unsigned`: the form a FULL TABLE_MAP gives (the binlog has no display widths). */
function withoutDisplayWidth(columnType: string): string {
  return columnType.replace(/^(tinyint|smallint|mediumint|int|bigint|year)\(\d+\)/i, '$1').replace(/\s+zerofill\b/i, '');
}

/** Bytes per character, to turn a CHAR/VARCHAR's byte length back into its declared length. */
const MAX_BYTES_PER_CHAR: Readonly<Record<string, number>> = {
  utf8mb4: 4, utf8mb3: 3, utf8: 3, ucs2: 2, utf16: 4, utf16le: 4, utf32: 4, gb18030: 4,
  big5: 2, gbk: 2, gb2312: 2, sjis: 2, cp932: 2, euckr: 2, ujis: 3, eucjpms: 3,
};

const INTEGER_NAMES: Readonly<Record<number, string>> = {
  [ColumnType.TINY]: 'tinyint', [ColumnType.SHORT]: 'smallint', [ColumnType.INT24]: 'mediumint', [ColumnType.LONG]: 'int', [ColumnType.LONGLONG]: 'bigint',
  [ColumnType.FLOAT]: 'float', [ColumnType.DOUBLE]: 'double',
};
const BLOB_NAMES: Readonly<Record<number, readonly [bytes: string, text: string]>> = {
  1: ['tinyblob', 'tinytext'], 2: ['blob', 'text'], 3: ['mediumblob', 'mediumtext'], 4: ['longblob', 'longtext'],
};
const GEOMETRY_NAMES = ['geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon', 'geometrycollection'];

/** COLUMN_TYPE as the TABLE_MAP's metadata describes the column; '' where it cannot tell. */
export function columnTypeOf(c: TableColumn): string {
  const base = baseTypeOf(c);
  const numeric = INTEGER_NAMES[c.type] !== undefined || c.type === ColumnType.NEWDECIMAL || c.type === ColumnType.DECIMAL;
  return numeric && c.unsigned ? `${base} unsigned` : base;
}

function baseTypeOf(c: TableColumn): string {
  const m = c.metadata;
  const binary = c.charset === 'binary';
  switch (c.type) {
    case ColumnType.NEWDECIMAL:
    case ColumnType.DECIMAL:
      return `decimal(${m.precision},${m.decimals})`;
    case ColumnType.YEAR:
      return 'year';
    case ColumnType.STRING:
    case ColumnType.VARCHAR:
    case ColumnType.VAR_STRING: {
      const char = c.type === ColumnType.STRING;
      if (binary) return `${char ? 'binary' : 'varbinary'}(${m.max_length})`;
      return `${char ? 'char' : 'varchar'}(${Math.floor((m.max_length ?? 0) / (MAX_BYTES_PER_CHAR[c.charset ?? ''] ?? 1))})`;
    }
    case ColumnType.TINY_BLOB:
    case ColumnType.MEDIUM_BLOB:
    case ColumnType.LONG_BLOB:
    case ColumnType.BLOB:
      return (BLOB_NAMES[m.length_size ?? 2] ?? BLOB_NAMES[2]!)[binary ? 0 : 1];
    case ColumnType.ENUM:
    case ColumnType.SET: {
      const values = (c.type === ColumnType.ENUM ? c.enumValues : c.setValues) ?? [];
      return `${c.type === ColumnType.ENUM ? 'enum' : 'set'}(${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',')})`;
    }
    case ColumnType.BIT:
      return `bit(${m.bits})`;
    case ColumnType.JSON:
      return 'json';
    case ColumnType.GEOMETRY:
      return GEOMETRY_NAMES[c.geometryType ?? 0] ?? 'geometry';
    case VECTOR_TYPE:
      return c.dimensions === undefined ? 'vector' : `vector(${c.dimensions})`;
    case ColumnType.TIMESTAMP:
    case ColumnType.TIMESTAMP2:
      return withPrecision('timestamp', m.decimals);
    case ColumnType.DATETIME:
    case ColumnType.DATETIME2:
      return withPrecision('datetime', m.decimals);
    case ColumnType.TIME:
    case ColumnType.TIME2:
      return withPrecision('time', m.decimals);
    case ColumnType.DATE:
    case ColumnType.NEWDATE:
      return 'date';
    default:
      return INTEGER_NAMES[c.type] ?? '';
  }
}

function withPrecision(name: string, decimals: number | undefined): string {
  return decimals ? `${name}(${decimals})` : name;
}

export function noColumnNamesError(table: string, why: string): FcDtsError {
  return new FcDtsError(
    'PRECHECK_FAILED',
    `the source binlog has no column names for ${table} (binlog_row_metadata is not FULL) and ${why}, so its rows could be decoded with a later table definition`,
    'run SET GLOBAL binlog_row_metadata = FULL on the source (and in its configuration file), then delete the state directory and run again: events already written without it cannot be decoded safely',
  );
}
