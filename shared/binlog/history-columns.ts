/**
 * The columns of a TABLE_MAP without names (MySQL 5.7, binlog_row_metadata MINIMAL, the PolarDB-X
 * global binlog), taken from the schema history's definition of the table at the event's position and
 * shaped as zongji's INFORMATION_SCHEMA.COLUMNS rows (lib/binlog_event.js updateColumnInfo, lib/common.js
 * readMysqlValue read COLUMN_NAME, CHARACTER_SET_NAME and COLUMN_TYPE).
 */
import type { ColumnSchema } from '@vlasky/zongji';
import { formatPosition, type BinlogPosition } from '../change/position.ts';
import { FcDtsError } from '../errors.ts';
import type { SchemaHistory } from '../schema-history/schema-history.ts';
import { checkTableMap } from '../schema-history/table-map-check.ts';
import type { ColumnDefinition } from '../schema-history/table-definition.ts';

export interface NamelessTableMap {
  readonly schemaName: string;
  readonly tableName: string;
  readonly columnTypes: readonly number[];
}

/** The table's columns at `pos`, checked against the TABLE_MAP's types; the error that stops the reader otherwise. */
export function historyColumnSchemas(history: SchemaHistory, e: NamelessTableMap, pos: BinlogPosition): ColumnSchema[] | FcDtsError {
  const table = `${e.schemaName}.${e.tableName}`;
  const def = history.definitionAt(e.schemaName, e.tableName, pos);
  if (!def) return noColumnNamesError(table, `the schema history has no definition of it at ${formatPosition(pos)}`);
  try {
    checkTableMap(def, e.columnTypes, { table, pos });
  } catch (err) {
    if (err instanceof FcDtsError) return err;
    throw err;
  }
  return def.columns.map(columnSchemaOf);
}

export function noColumnNamesError(table: string, why: string): FcDtsError {
  return new FcDtsError(
    'PRECHECK_FAILED',
    `the source binlog has no column names for ${table} (binlog_row_metadata is not FULL) and ${why}, so its rows could be decoded with a later table definition`,
    'run SET GLOBAL binlog_row_metadata = FULL on the source (and in its configuration file), then delete the state directory and run again: events already written without it cannot be decoded safely',
  );
}

function columnSchemaOf(c: ColumnDefinition): ColumnSchema {
  return {
    COLUMN_NAME: c.name,
    COLLATION_NAME: c.collation,
    CHARACTER_SET_NAME: c.charset,
    COLUMN_COMMENT: '',
    COLUMN_TYPE: withoutDisplayWidth(c.columnType),
  };
}

/** `int(11) unsigned zerofill` → `int unsigned`: the form a FULL TABLE_MAP gives (the binlog has no display widths). */
function withoutDisplayWidth(columnType: string): string {
  return columnType.replace(/^(tinyint|smallint|mediumint|int|bigint|year)\(\d+\)/i, '$1').replace(/\s+zerofill\b/i, '');
}
