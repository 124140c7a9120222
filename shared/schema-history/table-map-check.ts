/**
 * Whether a TABLE_MAP event describes the table the schema history says it is: a TABLE_MAP always
 * carries each column's binlog type code, even where it carries no names (MySQL 5.7, binlog_row_metadata
 * MINIMAL, the PolarDB-X global binlog), so a history that has gone wrong shows up here rather than as
 * values decoded into the wrong columns.
 */
import { ColumnType as T } from '../binlog/column-type.ts';
import { formatPosition, type BinlogPosition } from '../change/position.ts';
import { FcDtsError } from '../errors.ts';
import { VECTOR_TYPE } from '../binlog/events/table-definition.ts';
import type { ColumnDefinition, TableDefinition } from './table-definition.ts';

const TEXT_BLOB = [T.BLOB, T.TINY_BLOB, T.MEDIUM_BLOB, T.LONG_BLOB, T.BLOB_COMPRESSED];
/** DATETIME, TIMESTAMP and TIME keep the pre-5.6 format (7, 11, 12) in tables not rebuilt since. */
const CODES: Readonly<Record<string, readonly number[]>> = {
  tinyint: [T.TINY], smallint: [T.SHORT], mediumint: [T.INT24], int: [T.LONG], bigint: [T.LONGLONG],
  float: [T.FLOAT], double: [T.DOUBLE], decimal: [T.NEWDECIMAL, T.DECIMAL],
  date: [T.DATE, T.NEWDATE], datetime: [T.DATETIME2, T.DATETIME], timestamp: [T.TIMESTAMP2, T.TIMESTAMP], time: [T.TIME2, T.TIME],
  year: [T.YEAR], bit: [T.BIT],
  // CHAR, BINARY, ENUM and SET are all STRING (254) in the TABLE_MAP, the real type in its metadata.
  char: [T.STRING], binary: [T.STRING], enum: [T.STRING, T.ENUM], set: [T.STRING, T.SET],
  varchar: [T.VARCHAR, T.VAR_STRING, T.VARCHAR_COMPRESSED], varbinary: [T.VARCHAR, T.VAR_STRING, T.VARCHAR_COMPRESSED],
  tinytext: TEXT_BLOB, text: TEXT_BLOB, mediumtext: TEXT_BLOB, longtext: TEXT_BLOB,
  tinyblob: TEXT_BLOB, blob: TEXT_BLOB, mediumblob: TEXT_BLOB, longblob: TEXT_BLOB,
  // MySQL's JSON; MariaDB has none (its JSON is LONGTEXT).
  json: [T.JSON],
  geometry: [T.GEOMETRY], point: [T.GEOMETRY], linestring: [T.GEOMETRY], polygon: [T.GEOMETRY], multipoint: [T.GEOMETRY],
  multilinestring: [T.GEOMETRY], multipolygon: [T.GEOMETRY], geometrycollection: [T.GEOMETRY], geomcollection: [T.GEOMETRY],
  // MariaDB's fixed-size data types travel as binary STRING.
  inet4: [T.STRING], inet6: [T.STRING], uuid: [T.STRING],
  // MySQL 9's VECTOR(N): N float32 values behind a length, like a BLOB.
  vector: [VECTOR_TYPE],
};

/** The binlog type codes a TABLE_MAP may carry for this column; empty for a type this table does not know. */
export function binlogTypeCodes(column: ColumnDefinition): readonly number[] {
  return CODES[column.dataType] ?? [];
}

export class TableMapMismatchError extends FcDtsError {
  constructor(
    readonly table: string,
    readonly pos: BinlogPosition,
    detail: string,
  ) {
    super(
      'SCHEMA_MISMATCH',
      `binlog position ${formatPosition(pos)}: the TABLE_MAP of ${table} does not match the table's definition in the schema history: ${detail}`,
      `the schema history has lost track of ${table} (a DDL it did not see or misread): restart the task's full load, and report the DDL statements run on ${table} to the fc-dts maintainers`,
    );
  }
}

/** Throws TableMapMismatchError at the first difference in column count or column type. */
export function checkTableMap(definition: TableDefinition, tableMapColumnTypes: readonly number[], where: { readonly table: string; readonly pos: BinlogPosition }): void {
  const cols = definition.columns;
  for (let i = 0; i < Math.min(cols.length, tableMapColumnTypes.length); i++) {
    const col = cols[i]!;
    const got = tableMapColumnTypes[i]!;
    const expected = binlogTypeCodes(col);
    if (expected.length === 0) {
      throw new TableMapMismatchError(where.table, where.pos, `column ${i + 1} (${col.name}) has type ${col.columnType}, which fc-dts cannot match to a binlog type (the TABLE_MAP says ${got})`);
    }
    if (!expected.includes(got)) {
      throw new TableMapMismatchError(where.table, where.pos, `column ${i + 1} (${col.name}) is ${col.columnType} (binlog type ${expected.join(' or ')}), but the TABLE_MAP says binlog type ${got}`);
    }
  }
  if (cols.length !== tableMapColumnTypes.length) {
    throw new TableMapMismatchError(where.table, where.pos, `the definition has ${cols.length} columns, the TABLE_MAP ${tableMapColumnTypes.length}`);
  }
}
