/**
 * Catalog descriptions (ColumnInfo, TableMapping) built without a server, for pure tests of type
 * mappings: ALL_TYPES_INFO is fixtures.ts's all_types table as information_schema describes it on MySQL.
 */
import type { ColumnInfo, TableInfo } from '../../shared/mysql/catalog.ts';
import type { TableMapping } from '../../shared/task/object-mapper.ts';

const TEXT = /^(char|varchar|tinytext|text|mediumtext|longtext|enum|set)\b/;

/** A column of `columnType` (`int(11)`, `varchar(20)`, `bigint(20) unsigned`); text types in utf8mb4 unless `charset` says. */
export function column(name: string, columnType: string, over: Partial<ColumnInfo> = {}): ColumnInfo {
  return {
    name, ordinal: 0, columnType, dataType: /^[a-z][a-z0-9]*/.exec(columnType)![0], nullable: true, defaultValue: null, extra: '',
    charset: TEXT.test(columnType) ? 'utf8mb4' : null, collation: null, comment: '', generationExpression: null, generated: false, invisible: false,
    ...over,
  };
}

/** shop.<table> mapped to `target` (default: the same name), every column selected under its own name. */
export function tableMapping(table: string, columns: readonly ColumnInfo[], key: readonly string[], target = table): TableMapping {
  const numbered = columns.map((c, ordinal) => ({ ...c, ordinal: ordinal + 1 }));
  const source: TableInfo = {
    database: 'shop', name: table, engine: 'InnoDB', collation: 'utf8mb4_general_ci', comment: '', estimatedRows: 0, avgRowLength: 0,
    columns: numbered, indexes: [], foreignKeys: [], keyColumns: key,
  };
  return {
    source, target: { database: 'shop', table: target }, columns: numbered.map((c) => ({ source: c, target: c.name })), key,
    operations: new Set(['insert', 'update', 'delete']), origin: 'objects[0].tables[0]', renamed: target !== table,
  };
}

/** fixtures.ts ALL_TYPES_DDL's columns, in order, as MySQL 5.7's information_schema shows them (JSON as `json`). */
export const ALL_TYPES_INFO: readonly ColumnInfo[] = [
  column('id', 'int(11)', { nullable: false }), column('ti', 'tinyint(4)'), column('tiu', 'tinyint(3) unsigned'), column('si', 'smallint(6)'),
  column('siu', 'smallint(5) unsigned'), column('mi', 'mediumint(9)'), column('miu', 'mediumint(8) unsigned'), column('i', 'int(11)'),
  column('iu', 'int(10) unsigned'), column('bi', 'bigint(20)'), column('biu', 'bigint(20) unsigned'), column('dec65', 'decimal(65,30)'),
  column('f', 'float'), column('d', 'double'), column('b1', 'bit(1)'), column('b64', 'bit(64)'), column('ch', 'char(10)'), column('vc', 'varchar(200)'),
  column('tx', 'text'), column('l1', 'varchar(50)', { charset: 'latin1' }), column('bn', 'binary(4)'), column('vb', 'varbinary(50)'), column('bl', 'blob'),
  column('dt', 'date'), column('tm', 'time(6)'), column('dtm', 'datetime(6)'), column('ts', 'timestamp(6)'), column('yr', 'year(4)'),
  column('en', "enum('a','b','c d')"), column('st', "set('x','y','z')"), column('js', 'json'),
].map((c, i) => ({ ...c, ordinal: i + 1 }));
