/**
 * The row operations: GetRow, PutRow, UpdateRow, DeleteRow, BatchGetRow, BatchWriteRow, GetRange. Request-wide
 * problems (limits, malformed rows, bad names) fail the whole request; in a batch, what concerns one row (its
 * table missing, a primary key not matching the schema, a failed condition) fails only that row, as the service
 * reports it per row. BatchWriteRow reports what it was sent and may fail rows on request through `BatchWriteHooks`
 * (index.ts: counters and fault injection for tests).
 */
import { decodeColumnFilter, matches, type ColumnFilter } from './column-filter.ts';
import { OtsError, parameterInvalid, unsupported } from './errors.ts';
import { checkTableName, LIMITS, rowDataSize } from './limits.ts';
import { compareKeys, type Cell, type PrimaryKeyValue, type Row } from './model.ts';
import { writeRow, writeRows, type OutputRow } from './plain-buffer.ts';
import {
  decodeRequest,
  Direction,
  encode,
  int64ToBigInt,
  isSet,
  messages,
  OperationType,
  ReturnTypeCode,
  RowExistence,
  type Condition,
  type ConsumedCapacity,
  type ReturnContent,
  type RowInBatchResponse,
  type RowResponse,
  type ReadFields,
  type TimeRange,
} from './proto.ts';
import { checkColumnsToGet, parsePointKey, parseRangeBound, parseRowChange } from './row-change.ts';
import type { RowChange, Table, WideColumnStore, WriteCondition, WriteResult } from './table-store.ts';
import type { OperationHandler } from './table-operations.ts';

/** What a read returns of each row: which columns, which versions, which rows at all. */
interface ReadSpec {
  readonly columns?: ReadonlySet<string>;
  readonly timeRange?: { readonly start: number; readonly end: number };
  readonly filter?: ColumnFilter;
}

const CU_BYTES = 4096;
const EMPTY = new Uint8Array(0);

/** What the stand-in's owner may see of and do to BatchWriteRow requests (index.ts: counters and fault injection). */
export interface BatchWriteHooks {
  /** The request is decoded: its rows over all tables, before any limit is checked. */
  decoded?(rows: number): void;
  /** Its rows are measured: their data size as the 4 MB limit counts it. */
  measured?(dataBytes: number): void;
  /** Before a row is written: an error to answer for that row instead of writing it. */
  rowFault?(table: string): OtsError | undefined;
  /** The per-row results are in: how many rows failed. */
  answered?(failedRows: number): void;
}

export function rowOperations(store: WideColumnStore, hooks: BatchWriteHooks = {}): Record<string, OperationHandler> {
  return {
    GetRow(body) {
      const req = decodeRequest(messages.GetRowRequest, body);
      checkTableName(req.tableName);
      rejectTransaction(req.transactionId);
      const spec = readSpec(req);
      const key = parsePointKey(req.primaryKey);
      const table = store.table(req.tableName);
      const row = project(table, table.get(table.resolveKey(key)), spec);
      return encode(messages.GetRowResponse, {
        consumed: capacity(row ? rowDataSize(row) : 0, 0),
        row: row ? writeRow(row) : EMPTY,
      });
    },

    PutRow(body) {
      const req = decodeRequest(messages.PutRowRequest, body);
      const response = writeSingleRow(store, 'PutRow', { ...req, kind: 'put', change: req.row });
      return encode(messages.PutRowResponse, response);
    },

    UpdateRow(body) {
      const req = decodeRequest(messages.UpdateRowRequest, body);
      const response = writeSingleRow(store, 'UpdateRow', { ...req, kind: 'update', change: req.rowChange });
      return encode(messages.UpdateRowResponse, response);
    },

    DeleteRow(body) {
      const req = decodeRequest(messages.DeleteRowRequest, body);
      const response = writeSingleRow(store, 'DeleteRow', { ...req, kind: 'delete', change: req.primaryKey });
      return encode(messages.DeleteRowResponse, response);
    },

    BatchGetRow(body) {
      const req = decodeRequest(messages.BatchGetRowRequest, body);
      const total = req.tables.reduce((n, t) => n + t.primaryKey.length, 0);
      if (total === 0) throw parameterInvalid('No row specified in the request of BatchGetRow.');
      if (total > LIMITS.batchGetRows) throw parameterInvalid(`Rows count exceeds the upper limit: ${LIMITS.batchGetRows}.`);
      checkDistinctTables(req.tables.map((t) => t.tableName));
      const requests = req.tables.map((t) => {
        checkTableName(t.tableName);
        return { name: t.tableName, spec: readSpec(t), keys: t.primaryKey.map(parsePointKey) };
      });
      const tables = requests.map(({ name, spec, keys }) => ({
        tableName: name,
        rows: keys.map((key) =>
          perRow(() => {
            const table = store.table(name);
            const row = project(table, table.get(table.resolveKey(key)), spec);
            return {
              isOk: true,
              consumed: capacity(row ? rowDataSize(row) : 0, 0),
              row: row ? writeRow(row) : EMPTY,
            };
          }),
        ),
      }));
      return encode(messages.BatchGetRowResponse, { tables });
    },

    BatchWriteRow(body) {
      const req = decodeRequest(messages.BatchWriteRowRequest, body);
      rejectTransaction(req.transactionId);
      if (req.tables.length === 0) throw parameterInvalid('No row is specified in BatchWriteRow.');
      for (const t of req.tables) {
        if (t.rows.length === 0) throw parameterInvalid(`No operation is specified for table: '${t.tableName}'.`);
      }
      const total = req.tables.reduce((n, t) => n + t.rows.length, 0);
      hooks.decoded?.(total);
      if (total > LIMITS.batchWriteRows) throw parameterInvalid(`Rows count exceeds the upper limit: ${LIMITS.batchWriteRows}.`);
      checkDistinctTables(req.tables.map((t) => t.tableName));
      let size = 0;
      const requests = req.tables.map((t) => {
        checkTableName(t.tableName);
        const rows = t.rows.map((r) => {
          const change = parseRowChange(batchKind(r.type), r.rowChange);
          size += rowDataSize(change);
          return { change, condition: toCondition(r.condition), returns: toReturnSpec(r.returnContent) };
        });
        checkRepeatedRows(rows);
        return { name: t.tableName, rows };
      });
      hooks.measured?.(size);
      if (size > LIMITS.batchWriteBytes) {
        throw parameterInvalid(
          `The total data size of BatchWriteRow request exceeds the limit, limit size: ${LIMITS.batchWriteBytes}, data size: ${size}.`,
        );
      }
      const tables = requests.map(({ name, rows }) => ({
        tableName: name,
        rows: rows.map(({ change, condition, returns }) =>
          perRow(() => {
            const fault = hooks.rowFault?.(name);
            if (fault) throw fault;
            const table = store.table(name);
            const result = store.write(table, change, condition);
            return {
              isOk: true,
              consumed: capacity(0, rowDataSize(change)),
              row: returnedRow(table, result, returns),
            };
          }),
        ),
      }));
      hooks.answered?.(tables.reduce((n, t) => n + t.rows.filter((r) => !r.isOk).length, 0));
      return encode(messages.BatchWriteRowResponse, { tables });
    },

    GetRange(body) {
      const req = decodeRequest(messages.GetRangeRequest, body);
      checkTableName(req.tableName);
      rejectTransaction(req.transactionId);
      if (req.token && req.token.length > 0) throw unsupported('Wide-row paging (token)');
      if (req.direction !== Direction.FORWARD && req.direction !== Direction.BACKWARD) {
        throw parameterInvalid(`Invalid direction: ${req.direction}.`);
      }
      if (isSet(req, 'limit') && req.limit! <= 0) throw parameterInvalid('The limit must be greater than 0.');
      const spec = readSpec(req);
      const startKey = parseRangeBound(req.inclusiveStartPrimaryKey);
      const endKey = parseRangeBound(req.exclusiveEndPrimaryKey);
      const table = store.table(req.tableName);
      const start = table.resolveBound(startKey);
      const end = table.resolveBound(endKey);
      const backward = req.direction === Direction.BACKWARD;
      const order = compareKeys(start, end);
      if (!backward && order >= 0) throw parameterInvalid('Begin key must less than end key in FORWARD.');
      if (backward && order <= 0) throw parameterInvalid('Begin key must more than end key in BACKWARD.');

      const maxRows = Math.min(isSet(req, 'limit') ? req.limit! : LIMITS.rangeRows, LIMITS.rangeRows);
      const rows: OutputRow[] = [];
      let bytes = 0;
      let next: Row | undefined;
      for (const row of table.scan(start, end, backward)) {
        if (rows.length >= maxRows) {
          next = row;
          break;
        }
        const out = project(table, row, spec);
        if (!out) continue;
        const size = rowDataSize(out);
        if (rows.length > 0 && bytes + size > LIMITS.rangeBytes) {
          next = row;
          break;
        }
        rows.push(out);
        bytes += size;
      }
      return encode(messages.GetRangeResponse, {
        consumed: capacity(bytes, 0),
        rows: writeRows(rows),
        nextStartPrimaryKey: next ? writeRow({ primaryKey: keyColumns(table, next.primaryKey), cells: [] }) : undefined,
      });
    },
  };
}

interface SingleWrite {
  readonly kind: RowChange['kind'];
  readonly tableName: string;
  /** The PlainBuffer row (PutRow), row change (UpdateRow) or primary key with delete marker (DeleteRow). */
  readonly change: Uint8Array;
  readonly condition: Condition;
  readonly returnContent?: ReturnContent | null;
  readonly transactionId?: string;
}

function writeSingleRow(store: WideColumnStore, operation: string, write: SingleWrite): RowResponse {
  checkTableName(write.tableName);
  rejectTransaction(write.transactionId);
  const change = parseRowChange(write.kind, write.change);
  const size = rowDataSize(change);
  if (write.kind !== 'delete' && size > LIMITS.rowWriteBytes) {
    throw parameterInvalid(
      `The total data size of ${operation} request exceeds the limit, limit size: ${LIMITS.rowWriteBytes}, data size: ${size}.`,
    );
  }
  const condition = toCondition(write.condition);
  const returns = toReturnSpec(write.returnContent);
  const table = store.table(write.tableName);
  const result = store.write(table, change, condition);
  return { consumed: capacity(0, size), row: returnedRow(table, result, returns) };
}

function toCondition(condition: Condition): WriteCondition {
  const existence = Object.entries(RowExistence).find(([, code]) => code === condition.rowExistence)?.[0];
  if (!existence) throw parameterInvalid(`Invalid row-existence expectation: ${condition.rowExistence}.`);
  const filterBytes = condition.columnCondition;
  return {
    rowExistence: existence as WriteCondition['rowExistence'],
    columnFilter: filterBytes && filterBytes.length > 0 ? decodeColumnFilter(filterBytes) : undefined,
  };
}

function readSpec(req: ReadFields): ReadSpec {
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

function rejectTransaction(transactionId: string | undefined): void {
  if (transactionId) throw unsupported('Local transaction');
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
function project(table: Table, row: Row | undefined, spec: ReadSpec): OutputRow | undefined {
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

function keyColumns(table: Table, key: readonly PrimaryKeyValue[]): OutputRow['primaryKey'] {
  return table.definition.primaryKey.map((column, i) => ({ name: column.name, value: key[i]! }));
}

/** What a write returns: nothing, its primary key (RT_PK), or the named columns after the write. */
type ReturnSpec =
  | { readonly type: 'none' }
  | { readonly type: 'primaryKey' }
  | { readonly type: 'afterModify'; readonly columns: ReadonlySet<string> };

function toReturnSpec(content: ReturnContent | null | undefined): ReturnSpec {
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

function returnedRow(table: Table, result: WriteResult, returns: ReturnSpec): Uint8Array {
  if (returns.type === 'none') return EMPTY;
  const primaryKey = keyColumns(table, result.primaryKey);
  if (returns.type === 'primaryKey') return writeRow({ primaryKey, cells: [] });
  const cells = [...(result.row?.cells ?? [])]
    .filter(([name]) => returns.columns.has(name))
    .map(([name, c]) => ({ name, value: c.value, timestamp: c.timestamp }));
  return writeRow({ primaryKey, cells });
}

function batchKind(type: number): RowChange['kind'] {
  switch (type) {
    case OperationType.PUT:
      return 'put';
    case OperationType.UPDATE:
      return 'update';
    case OperationType.DELETE:
      return 'delete';
    default:
      throw parameterInvalid('The type of row in batch write operation is invalid.');
  }
}

function checkDistinctTables(names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw parameterInvalid(`Duplicated table name: '${name}'.`);
    seen.add(name);
  }
}

/** The same row twice in one batch is allowed only without conditions (product docs "Error codes"). */
function checkRepeatedRows(rows: ReadonlyArray<{ change: RowChange; condition: WriteCondition }>): void {
  const byKey = new Map<string, WriteCondition[]>();
  for (const { change, condition } of rows) {
    const key = JSON.stringify(change.primaryKey, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    byKey.set(key, [...(byKey.get(key) ?? []), condition]);
  }
  for (const conditions of byKey.values()) {
    if (conditions.length < 2) continue;
    if (conditions.some((c) => c.rowExistence !== 'IGNORE')) {
      throw parameterInvalid('Repeated rows do not support row exist expectation check in BatchModify.');
    }
    if (conditions.some((c) => c.columnFilter)) {
      throw parameterInvalid('Repeated rows do not support row condition check in BatchModify.');
    }
  }
}

/** Runs one row of a batch; a service error becomes that row's error, anything else fails the request. */
function perRow(run: () => RowInBatchResponse): RowInBatchResponse {
  try {
    return run();
  } catch (e) {
    if (!(e instanceof OtsError)) throw e;
    return { isOk: false, error: { code: e.code, message: e.message } };
  }
}

function capacity(readBytes: number, writeBytes: number): ConsumedCapacity {
  return {
    capacityUnit: {
      read: readBytes > 0 ? Math.ceil(readBytes / CU_BYTES) : writeBytes > 0 ? 0 : 1,
      write: writeBytes > 0 ? Math.ceil(writeBytes / CU_BYTES) : 0,
    },
  };
}
