/**
 * What a read (GetRow, BatchGetRow, GetRange) returns of each row: which columns, which versions, which rows at
 * all, and the part of a stored row that answers it.
 */
import { decodeColumnFilter, matches, type ColumnFilter } from './column-filter.ts';
import { parameterInvalid, unsupported } from './errors.ts';
import type { Cell, PrimaryKeyValue, Row } from './model.ts';
import type { OutputRow } from './plain-buffer.ts';
import { int64ToBigInt, isSet, type ReadFields, type TimeRange } from './proto.ts';
import { checkColumnsToGet } from './row-change.ts';
import type { Table } from './table-store.ts';

export interface ReadSpec {
  readonly columns?: ReadonlySet<string>;
  readonly timeRange?: { readonly start: number; readonly end: number };
  readonly filter?: ColumnFilter;
}

export function readSpec(req: ReadFields): ReadSpec {
  if (isSet(req, 'startColumn') || isSet(req, 'endColumn')) throw unsupported('Column paging (start_column/end_column)');
  const columns = req.columnsToGet ?? [];
  checkColumnsToGet(columns);
  const hasMaxVersions = isSet(req, 'maxVersions');
  if (!hasMaxVersions && !req.timeRange) throw parameterInvalid('No version condition is specified while querying row.');
  if (hasMaxVersions && req.maxVersions! <= 0) {
    throw parameterInvalid(`Invalid max versions: ${req.maxVersions} . Reason: Max versions must be positive.`);
  }
  return {
    columns: columns.length > 0 ? new Set(columns) : undefined,
    timeRange: req.timeRange ? toTimeRange(req.timeRange) : undefined,
    filter: req.filter && req.filter.length > 0 ? decodeColumnFilter(req.filter) : undefined,
  };
}

function toTimeRange(range: TimeRange): { start: number; end: number } {
  if (isSet(range, 'specificTime')) {
    const at = Number(int64ToBigInt(range.specificTime!));
    if (at < 0) throw parameterInvalid('Specific timestamp cannot be less than 0.');
    return { start: at, end: at + 1 };
  }
  if (!isSet(range, 'startTime') || !isSet(range, 'endTime')) {
    throw parameterInvalid('Start and end time must be given at the same time.');
  }
  return { start: Number(int64ToBigInt(range.startTime!)), end: Number(int64ToBigInt(range.endTime!)) };
}

/**
 * The part of a row a read returns: the primary key and the requested cells. A row none of whose requested
 * columns exist, or that the filter rejects, is not returned at all.
 */
export function project(table: Table, row: Row | undefined, spec: ReadSpec): OutputRow | undefined {
  if (!row) return undefined;
  let cells: Array<[string, Cell]> = [...row.cells];
  if (spec.timeRange) {
    const { start, end } = spec.timeRange;
    cells = cells.filter(([, c]) => c.timestamp >= start && c.timestamp < end);
    if (cells.length === 0) return undefined;
  }
  if (spec.filter && !matches(spec.filter, new Map(cells))) return undefined;
  const primaryKey = keyColumns(table, row.primaryKey);
  if (spec.columns) {
    const wanted = spec.columns;
    cells = cells.filter(([name]) => wanted.has(name));
    if (cells.length === 0 && !primaryKey.some((pk) => wanted.has(pk.name))) return undefined;
  }
  return { primaryKey, cells: cells.map(([name, c]) => ({ name, value: c.value, timestamp: c.timestamp })) };
}

/** A primary key as the named columns of the table's schema. */
export function keyColumns(table: Table, key: readonly PrimaryKeyValue[]): OutputRow['primaryKey'] {
  return table.definition.primaryKey.map((column, i) => ({ name: column.name, value: key[i]! }));
}
