/** What a write (PutRow, UpdateRow, DeleteRow, a row of BatchWriteRow) is conditioned on and what it returns. */
import { decodeColumnFilter } from './column-filter.ts';
import { parameterInvalid } from './errors.ts';
import { writeRow } from './plain-buffer.ts';
import { ReturnTypeCode, RowExistence, type Condition, type ReturnContent } from './proto.ts';
import { keyColumns } from './read-spec.ts';
import type { Table, WriteCondition, WriteResult } from './table-store.ts';

const EMPTY = new Uint8Array(0);

export function toCondition(condition: Condition): WriteCondition {
  const existence = Object.entries(RowExistence).find(([, code]) => code === condition.rowExistence)?.[0];
  if (!existence) throw parameterInvalid(`Invalid row-existence expectation: ${condition.rowExistence}.`);
  const filterBytes = condition.columnCondition;
  return {
    rowExistence: existence as WriteCondition['rowExistence'],
    columnFilter: filterBytes && filterBytes.length > 0 ? decodeColumnFilter(filterBytes) : undefined,
  };
}

/** What a write returns: nothing, its primary key (RT_PK), or the named columns after the write. */
export type ReturnSpec =
  | { readonly type: 'none' }
  | { readonly type: 'primaryKey' }
  | { readonly type: 'afterModify'; readonly columns: ReadonlySet<string> };

export function toReturnSpec(content: ReturnContent | null | undefined): ReturnSpec {
  switch (content?.returnType ?? ReturnTypeCode.RT_NONE) {
    case ReturnTypeCode.RT_NONE:
      return { type: 'none' };
    case ReturnTypeCode.RT_PK:
      return { type: 'primaryKey' };
    case ReturnTypeCode.RT_AFTER_MODIFY:
      return { type: 'afterModify', columns: new Set(content?.returnColumnNames ?? []) };
    default:
      throw parameterInvalid(`Invalid return type: ${content?.returnType}.`);
  }
}

export function returnedRow(table: Table, result: WriteResult, returns: ReturnSpec): Uint8Array {
  if (returns.type === 'none') return EMPTY;
  const primaryKey = keyColumns(table, result.primaryKey);
  if (returns.type === 'primaryKey') return writeRow({ primaryKey, cells: [] });
  const cells = [...(result.row?.cells ?? [])]
    .filter(([name]) => returns.columns.has(name))
    .map(([name, c]) => ({ name, value: c.value, timestamp: c.timestamp }));
  return writeRow({ primaryKey, cells });
}
