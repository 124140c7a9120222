/**
 * The CREATE TABLE statements of a synchronized table's `_base` and `_log` tables (reference 001), and
 * the ALTER TABLE that adds a column to both. A MaxCompute project is one namespace: tables keep their
 * own (target) names whatever their source database, with the suffixes appended.
 */
import type { ColumnMapping, TableMapping } from '../../task/object-mapper.ts';
import { loadColumns } from '../../task/object-mapper.ts';
import type { MaxComputeDestinationConfig } from './config.ts';
import { ADDITIONAL_COLUMNS, additionalNames, BASE_SUFFIX, LOG_SUFFIX, maxComputeType } from './maxcompute-table.ts';
import { quoteName } from './merge-sql.ts';
import { parseType } from '../../maxcompute/maxcompute-types.ts';
import { valueWriter } from './maxcompute-values.ts';
import type { LogTable } from './log-sink.ts';

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

/** ADD COLUMN on the source, applied to both tables (MaxCompute appends it at the end). */
export function addColumnsDdl(t: Pick<TableMapping, 'target'>, columns: readonly ColumnMapping[]): string[] {
  const list = columns.map(columnDefinition).join(', ');
  return [baseTable(t), logTable(t)].map((name) => `ALTER TABLE ${quoteName(name)} ADD COLUMNS (${list});`);
}

/** The `_log` table as the sink writes it: record columns, partition keys, and a value writer per source column. */
export function logTableOf(t: TableMapping, layout: LogLayout, timeZone: string): LogTable {
  const names = additionalNames(layout.additionalColumnRule, layout.partitionFields);
  const source = loadColumns(t);
  return {
    name: logTable(t),
    columns: [
      ...ADDITIONAL_COLUMNS.map((c, i) => ({ name: names.columns[i]!, type: parseType(c.type) })),
      ...source.map((c) => ({ name: c.target, type: parseType(maxComputeType(c.source).type) })),
    ],
    partitionKeys: names.partitions,
    sourceColumns: source.map((c) => ({ name: c.target, write: valueWriter(c.source, timeZone) })),
  };
}
