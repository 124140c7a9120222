/**
 * The row operations: GetRow, PutRow, UpdateRow, DeleteRow, BatchGetRow, BatchWriteRow, GetRange. Request-wide
 * problems (limits, malformed rows, bad names) fail the whole request; in a batch, what concerns one row (its
 * table missing, a primary key not matching the schema, a failed condition) fails only that row, as the service
 * reports it per row. BatchWriteRow reports what it was sent and may fail rows on request through `BatchWriteHooks`
 * (request-log.ts and fault-injector.ts: counters and fault injection for tests).
 */
import { OtsError, parameterInvalid, unsupported } from './errors.ts';
import { checkTableName, LIMITS, rowDataSize } from './limits.ts';
import { compareKeys, type BoundValue, type Row } from './model.ts';
import { writeRow, writeRows, type OutputRow, type WirePrimaryKeyColumn } from './plain-buffer.ts';
import {
  decodeRequest,
  Direction,
  encode,
  isSet,
  messages,
  OperationType,
  type BatchGetRowRequest,
  type BatchWriteRowRequest,
  type Condition,
  type ConsumedCapacity,
  type GetRangeRequest,
  type ReturnContent,
  type RowInBatchResponse,
  type RowResponse,
} from './proto.ts';
import { keyColumns, project, readSpec, type ReadSpec } from './read-spec.ts';
import { parsePointKey, parseRangeBound, parseRowChange } from './row-change.ts';
import type { OperationHandler } from './table-operations.ts';
import type { RowChange, Table, WideColumnStore, WriteCondition } from './table-store.ts';
import { returnedRow, toCondition, toReturnSpec, type ReturnSpec } from './write-spec.ts';

const CU_BYTES = 4096;
const EMPTY = new Uint8Array(0);

/** What the stand-in's owner may see of and do to BatchWriteRow requests (request-log.ts, fault-injector.ts). */
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

interface SingleWrite {
  readonly kind: RowChange['kind'];
  readonly tableName: string;
  /** The PlainBuffer row (PutRow), row change (UpdateRow) or primary key with delete marker (DeleteRow). */
  readonly change: Uint8Array;
  readonly condition: Condition;
  readonly returnContent?: ReturnContent | null;
  readonly transactionId?: string;
}

/** The rows of one table BatchGetRow reads. */
interface TableReads {
  readonly name: string;
  readonly spec: ReadSpec;
  readonly keys: readonly WirePrimaryKeyColumn[][];
}

/** One row of a BatchWriteRow request, parsed and checked. */
interface BatchRowWrite {
  readonly change: RowChange;
  readonly condition: WriteCondition;
  readonly returns: ReturnSpec;
}

/** The rows of one table BatchWriteRow writes. */
interface TableWrites {
  readonly name: string;
  readonly rows: readonly BatchRowWrite[];
}

/** The range a GetRange reads, checked against the table. */
interface RangeRead {
  readonly table: Table;
  readonly start: BoundValue[];
  readonly end: BoundValue[];
  readonly backward: boolean;
  readonly spec: ReadSpec;
}

/** One GetRange answer's rows; `next` is the first row left out, where the caller goes on. */
interface RangePage {
  readonly rows: OutputRow[];
  readonly bytes: number;
  readonly next: Row | undefined;
}

/** The row operations over one store: one method per request, each taking and returning a protobuf body. */
export class RowOperations {
  constructor(
    private readonly store: WideColumnStore,
    private readonly hooks: BatchWriteHooks = {},
  ) {}

  /** The operations by request name, as the server dispatches them. */
  handlers(): Record<string, OperationHandler> {
    return {
      GetRow: (body) => this.getRow(body),
      PutRow: (body) => this.putRow(body),
      UpdateRow: (body) => this.updateRow(body),
      DeleteRow: (body) => this.deleteRow(body),
      BatchGetRow: (body) => this.batchGetRow(body),
      BatchWriteRow: (body) => this.batchWriteRow(body),
      GetRange: (body) => this.getRange(body),
    };
  }

  getRow(body: Uint8Array): Uint8Array {
    const req = decodeRequest(messages.GetRowRequest, body);
    checkTableName(req.tableName);
    rejectTransaction(req.transactionId);
    const spec = readSpec(req);
    const key = parsePointKey(req.primaryKey);
    return encode(messages.GetRowResponse, this.readRow(req.tableName, key, spec));
  }

  putRow(body: Uint8Array): Uint8Array {
    const req = decodeRequest(messages.PutRowRequest, body);
    const response = this.writeSingleRow('PutRow', { ...req, kind: 'put', change: req.row });
    return encode(messages.PutRowResponse, response);
  }

  updateRow(body: Uint8Array): Uint8Array {
    const req = decodeRequest(messages.UpdateRowRequest, body);
    const response = this.writeSingleRow('UpdateRow', { ...req, kind: 'update', change: req.rowChange });
    return encode(messages.UpdateRowResponse, response);
  }

  deleteRow(body: Uint8Array): Uint8Array {
    const req = decodeRequest(messages.DeleteRowRequest, body);
    const response = this.writeSingleRow('DeleteRow', { ...req, kind: 'delete', change: req.primaryKey });
    return encode(messages.DeleteRowResponse, response);
  }

  batchGetRow(body: Uint8Array): Uint8Array {
    const req = decodeRequest(messages.BatchGetRowRequest, body);
    const tables = checkedBatchGet(req).map(({ name, spec, keys }) => ({
      tableName: name,
      rows: keys.map((key) => perRow(() => ({ isOk: true, ...this.readRow(name, key, spec) }))),
    }));
    return encode(messages.BatchGetRowResponse, { tables });
  }

  batchWriteRow(body: Uint8Array): Uint8Array {
    const req = decodeRequest(messages.BatchWriteRowRequest, body);
    const tables = this.checkedBatchWrite(req).map(({ name, rows }) => ({
      tableName: name,
      rows: rows.map((row) => perRow(() => this.writeBatchRow(name, row))),
    }));
    this.hooks.answered?.(tables.reduce((n, t) => n + t.rows.filter((r) => !r.isOk).length, 0));
    return encode(messages.BatchWriteRowResponse, { tables });
  }

  getRange(body: Uint8Array): Uint8Array {
    const req = decodeRequest(messages.GetRangeRequest, body);
    const range = this.checkedRange(req);
    const maxRows = Math.min(isSet(req, 'limit') ? req.limit! : LIMITS.rangeRows, LIMITS.rangeRows);
    const { rows, bytes, next } = readPage(range, maxRows);
    return encode(messages.GetRangeResponse, {
      consumed: capacity(bytes, 0),
      rows: writeRows(rows),
      nextStartPrimaryKey: next ? writeRow({ primaryKey: keyColumns(range.table, next.primaryKey), cells: [] }) : undefined,
    });
  }

  /** One row read by primary key (GetRow, a row of BatchGetRow). */
  private readRow(tableName: string, key: readonly WirePrimaryKeyColumn[], spec: ReadSpec): RowResponse {
    const table = this.store.table(tableName);
    const row = project(table, table.get(table.resolveKey(key)), spec);
    return { consumed: capacity(row ? rowDataSize(row) : 0, 0), row: row ? writeRow(row) : EMPTY };
  }

  private writeSingleRow(operation: string, write: SingleWrite): RowResponse {
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
    const table = this.store.table(write.tableName);
    const result = this.store.write(table, change, condition);
    return { consumed: capacity(0, size), row: returnedRow(table, result, returns) };
  }

  /** The request's rows, once the request as a whole passed the service's checks; reports rows and size to the hooks. */
  private checkedBatchWrite(req: BatchWriteRowRequest): TableWrites[] {
    rejectTransaction(req.transactionId);
    if (req.tables.length === 0) throw parameterInvalid('No row is specified in BatchWriteRow.');
    for (const t of req.tables) {
      if (t.rows.length === 0) throw parameterInvalid(`No operation is specified for table: '${t.tableName}'.`);
    }
    const total = req.tables.reduce((n, t) => n + t.rows.length, 0);
    this.hooks.decoded?.(total);
    if (total > LIMITS.batchWriteRows) throw parameterInvalid(`Rows count exceeds the upper limit: ${LIMITS.batchWriteRows}.`);
    checkDistinctTables(req.tables.map((t) => t.tableName));
    const { tables, size } = parseBatchWrite(req.tables);
    this.hooks.measured?.(size);
    if (size > LIMITS.batchWriteBytes) {
      throw parameterInvalid(
        `The total data size of BatchWriteRow request exceeds the limit, limit size: ${LIMITS.batchWriteBytes}, data size: ${size}.`,
      );
    }
    return tables;
  }

  private writeBatchRow(tableName: string, { change, condition, returns }: BatchRowWrite): RowInBatchResponse {
    const fault = this.hooks.rowFault?.(tableName);
    if (fault) throw fault;
    const table = this.store.table(tableName);
    const result = this.store.write(table, change, condition);
    return { isOk: true, consumed: capacity(0, rowDataSize(change)), row: returnedRow(table, result, returns) };
  }

  private checkedRange(req: GetRangeRequest): RangeRead {
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
    const table = this.store.table(req.tableName);
    const start = table.resolveBound(startKey);
    const end = table.resolveBound(endKey);
    const backward = req.direction === Direction.BACKWARD;
    const order = compareKeys(start, end);
    if (!backward && order >= 0) throw parameterInvalid('Begin key must less than end key in FORWARD.');
    if (backward && order <= 0) throw parameterInvalid('Begin key must more than end key in BACKWARD.');
    return { table, start, end, backward, spec };
  }
}

/** The rows of a GetRange answer: at most `maxRows`, and past the first no more than the range byte limit. */
function readPage({ table, start, end, backward, spec }: RangeRead, maxRows: number): RangePage {
  const rows: OutputRow[] = [];
  let bytes = 0;
  for (const row of table.scan(start, end, backward)) {
    if (rows.length >= maxRows) return { rows, bytes, next: row };
    const out = project(table, row, spec);
    if (!out) continue;
    const size = rowDataSize(out);
    if (rows.length > 0 && bytes + size > LIMITS.rangeBytes) return { rows, bytes, next: row };
    rows.push(out);
    bytes += size;
  }
  return { rows, bytes, next: undefined };
}

function checkedBatchGet(req: BatchGetRowRequest): TableReads[] {
  const total = req.tables.reduce((n, t) => n + t.primaryKey.length, 0);
  if (total === 0) throw parameterInvalid('No row specified in the request of BatchGetRow.');
  if (total > LIMITS.batchGetRows) throw parameterInvalid(`Rows count exceeds the upper limit: ${LIMITS.batchGetRows}.`);
  checkDistinctTables(req.tables.map((t) => t.tableName));
  return req.tables.map((t) => {
    checkTableName(t.tableName);
    return { name: t.tableName, spec: readSpec(t), keys: t.primaryKey.map(parsePointKey) };
  });
}

/** The rows of a BatchWriteRow request, table by table, and their data size. */
function parseBatchWrite(tables: BatchWriteRowRequest['tables']): { tables: TableWrites[]; size: number } {
  let size = 0;
  const parsed = tables.map((t) => {
    checkTableName(t.tableName);
    const rows = t.rows.map((r) => {
      const change = parseRowChange(batchKind(r.type), r.rowChange);
      size += rowDataSize(change);
      return { change, condition: toCondition(r.condition), returns: toReturnSpec(r.returnContent) };
    });
    checkRepeatedRows(rows);
    return { name: t.tableName, rows };
  });
  return { tables: parsed, size };
}

function rejectTransaction(transactionId: string | undefined): void {
  if (transactionId) throw unsupported('Local transaction');
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
