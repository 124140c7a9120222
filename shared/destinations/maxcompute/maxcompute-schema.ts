/**
 * The CREATE TABLE statements of a synchronized table's `_base` and `_log` tables (reference 001), and
 * the ALTER TABLE that adds columns to either. A MaxCompute project is one namespace: tables keep their
 * own (target) names whatever their source database, with the suffixes appended.
 */
import type { ColumnMapping, TableMapping } from '../../task/object-mapper.ts';
import { loadColumns } from '../../task/object-mapper.ts';
import type { MaxComputeDestinationConfig } from './config.ts';
import { ADDITIONAL_COLUMNS, additionalNames, BASE_SUFFIX, LOG_SUFFIX, maxComputeType } from './maxcompute-table.ts';
import { quoteName } from './merge-sql.ts';
import type { AddedColumn } from '../../mysql/alter-add-columns.ts';

export interface TableDdl {
  readonly name: string;
  readonly sql: string;
}

export type LogLayout = Pick<MaxComputeDestinationConfig, 'additionalColumnRule' | 'partitionFields'>;

export const baseTable = (t: Pick<TableMapping, 'target'>) => t.target.table + BASE_SUFFIX;
export const logTable = (t: Pick<TableMapping, 'target'>) => t.target.table + LOG_SUFFIX;

const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function columnDefinition(c: ColumnMapping): string {
  const comment = c.source.comment ? ` COMMENT ${literal(c.source.comment)}` : '';
  return `${quoteName(c.target)} ${maxComputeType(c.source).type}${comment}`;
}

/** The source columns' definitions, as `_base` and a merged table have them. */
export function tableColumnsDdl(t: TableMapping): string {
  return loadColumns(t).map(columnDefinition).join(', ');
}

/** `_base`: the source columns. */
export function baseTableDdl(t: TableMapping): TableDdl {
  const name = baseTable(t);
  return { name, sql: `CREATE TABLE IF NOT EXISTS ${quoteName(name)} (${tableColumnsDdl(t)});` };
}

/** `_log`: the additional columns, then the source columns; partitioned by the chosen time fields. */
export function logTableDdl(t: TableMapping, layout: LogLayout): TableDdl {
  const name = logTable(t);
  const names = additionalNames(layout.additionalColumnRule, layout.partitionFields);
  const additional = ADDITIONAL_COLUMNS.map((c, i) => `${quoteName(names.columns[i]!)} ${c.type}`);
  const partitions = names.partitions.map((p) => `${quoteName(p)} STRING`);
  return {
    name,
    sql: `CREATE TABLE IF NOT EXISTS ${quoteName(name)} (${[...additional, ...loadColumns(t).map(columnDefinition)].join(', ')}) PARTITIONED BY (${partitions.join(', ')});`,
  };
}

/** ADD COLUMN on the source, for `_base` or `_log` (MaxCompute appends the columns at the end). */
export function addColumnsDdl(table: string, columns: readonly AddedColumn[]): string {
  const list = columns.map((c) => `${quoteName(c.name)} ${maxComputeType(c).type}`).join(', ');
  return `ALTER TABLE ${quoteName(table)} ADD COLUMNS (${list});`;
}
