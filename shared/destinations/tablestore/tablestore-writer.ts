/**
 * Writes rows to Tablestore with BatchWriteRow, the way the service wants it (docs/protocols.md §2.3):
 * requests of at most 200 rows and 4 MB of data, at most `concurrency` of them in flight per process,
 * at most `queueSize` rows waiting for or in a request (callers wait beyond that: memory stays bounded).
 *
 * BatchWriteRow answers per row. A row that failed transiently (throttling, a partition moving) is
 * sent again with backoff for up to `retryMs`; a whole request that failed transiently is sent again
 * whole; one refused whole for its content (a row too large) is split into single rows so that only
 * the offending rows fail. Failed rows are returned to the caller, which applies the dirty-data policy.
 * The SDK never retries writes itself (shared/state/tablestore-errors.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import TableStore from 'tablestore';
import { FcDtsError } from '../../errors.ts';
import { classifyOtsError, type OtsFailure } from '../../tablestore/tablestore-errors.ts';
import { TABLESTORE_LIMITS } from './tablestore-table.ts';
import type { TablestoreValue } from './tablestore-values.ts';

const { Condition, RowExistenceExpectation: Expect } = TableStore;

export interface RowWrite {
  readonly table: string;
  /** put: the row becomes exactly these columns (PutRow); update: set `columns`, delete `deleted` (UpdateRow); delete: DeleteRow. */
  readonly type: 'put' | 'update' | 'delete';
  readonly primaryKey: ReadonlyArray<readonly [string, TablestoreValue]>;
  readonly columns?: ReadonlyArray<readonly [string, TablestoreValue]>;
  readonly deleted?: readonly string[];
  /** Insert-if-absent: a row that exists is left as it is (and counts as written). */
  readonly ifAbsent?: boolean;
}

export interface FailedRow {
  readonly row: RowWrite;
  /** The service's error name and message. */
  readonly reason: string;
}

export interface WriterSettings {
  readonly concurrency: number;
  readonly queueSize: number;
  /** How long transient failures are retried before the rows count as failed. */
  readonly retryMs: number;
}

export interface WriterStats {
  /** BatchWriteRow requests sent (retries included): Tablestore bills per request. */
  requests: number;
  rows: number;
  retriedRows: number;
}

/** Rows that exist where ifAbsent wanted none: not a failure. */
const CONDITION_FAILED = 'OTSConditionCheckFail';

/** Refusals of what a row holds (its size, a key value, a column count): the row is dirty data, the task goes on. */
const ROW_REFUSALS = new Set(['OTSParameterInvalid', 'OTSInvalidPK', 'OTSOutOfColumnCountLimit', 'OTSOutOfRowSizeLimit', 'OTSRequestBodyTooLarge']);

/**
 * Tablestore failed in a way no row is to blame for: unreachable or busy past the retry time
 * (code CONNECTION_FAILED, so the run reconnects), or refusing the task's access, table or settings.
 */
export class TablestoreWriteFailed extends FcDtsError {
  constructor(failure: OtsFailure, table: string) {
    super(
      failure.transient || failure.network ? 'CONNECTION_FAILED' : 'LOAD_FAILED',
      `Tablestore write to table ${table} failed: ${failure.description}`,
      failure.transient || failure.network
        ? 'check that the Tablestore endpoint is reachable and the instance is not throttled; fc-dts retries for advanced.retry.connectionMinutes'
        : 'check the access key, that the table exists and that the task settings fit the instance',
    );
  }
}

export class TablestoreWriter {
  readonly stats: WriterStats = { requests: 0, rows: 0, retriedRows: 0 };
  private inFlight = 0;
  private queued = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly client: TableStore.Client,
    private readonly settings: WriterSettings,
  ) {}

  /**
   * Writes the rows and resolves with those that failed for good. Rows for one primary key are written
   * in the order given (a repeated key starts a new request, sent after the earlier ones finish, retries
   * included).
   */
  async write(rows: readonly RowWrite[], beforeRequest?: () => Promise<void>): Promise<FailedRow[]> {
    const failed: FailedRow[] = [];
    const pending: Promise<void>[] = [];
    let request: RowWrite[] = [];
    let bytes = 0;
    /** Keys of the request being built and of those in `pending`: a key among them may still be written (or retried). */
    const unsettled = new Set<string>();
    const send = async (batch: RowWrite[]): Promise<void> => {
      await this.reserve(batch.length);
      pending.push(this.send(batch, failed, beforeRequest));
    };
    for (const row of rows) {
      const size = rowBytes(row);
      const id = keyId(row);
      const repeated = unsettled.has(id);
      if (request.length > 0 && (request.length >= TABLESTORE_LIMITS.batchWriteRows || bytes + size > TABLESTORE_LIMITS.batchWriteBytes || repeated)) {
        await send(request);
        request = [];
        bytes = 0;
      }
      if (repeated) {
        // The same row again: after its earlier write, which may be in any earlier request.
        await settled(pending.splice(0));
        unsettled.clear();
      }
      request.push(row);
      bytes += size;
      unsettled.add(id);
    }
    if (request.length > 0) await send(request);
    await settled(pending);
    return failed;
  }

  /** Waits until `rows` more fit in the queue (one request always fits an empty queue). */
  private async reserve(rows: number): Promise<void> {
    while (this.queued > 0 && this.queued + rows > this.settings.queueSize) await new Promise<void>((r) => this.waiting.push(r));
    this.queued += rows;
  }

  private wake(): void {
    // Some wait for a request slot, some for queue room: each re-checks its own.
    for (const w of this.waiting.splice(0)) w();
  }

  private async send(rows: RowWrite[], failed: FailedRow[], beforeRequest: (() => Promise<void>) | undefined): Promise<void> {
    try {
      await this.attempt(rows, failed, beforeRequest);
    } finally {
      this.queued -= rows.length;
      this.wake();
    }
  }

  private async attempt(rows: RowWrite[], failed: FailedRow[], beforeRequest: (() => Promise<void>) | undefined): Promise<void> {
    const started = Date.now();
    let todo = rows;
    for (let attempt = 0; todo.length > 0; attempt++) {
      await beforeRequest?.();
      const outcome = await this.request(todo);
      if ('error' in outcome) {
        const f = classifyOtsError(outcome.error);
        if (f.transient && Date.now() - started < this.settings.retryMs) {
          await sleep(backoff(attempt));
          continue;
        }
        if (f.transient || !ROW_REFUSALS.has(f.name ?? '')) throw new TablestoreWriteFailed(f, todo[0]!.table);
        if (todo.length > 1) {
          // Refused whole for what one row holds: find it by writing them one at a time.
          for (const row of todo) await this.attempt([row], failed, beforeRequest);
          return;
        }
        failed.push({ row: todo[0]!, reason: f.description });
        return;
      }
      const retry: RowWrite[] = [];
      outcome.results.forEach((r, i) => {
        if (r.isOk || r.errorCode === CONDITION_FAILED) return;
        const row = todo[i]!;
        const f = classifyOtsError({ code: 400, message: `${r.errorCode ?? 'error'} ${r.errorMessage ?? ''}` });
        if (f.transient && Date.now() - started < this.settings.retryMs) retry.push(row);
        else if (ROW_REFUSALS.has(r.errorCode ?? '')) failed.push({ row, reason: f.description });
        else throw new TablestoreWriteFailed(f, row.table);
      });
      this.stats.retriedRows += retry.length;
      todo = retry;
      if (todo.length > 0) await sleep(backoff(attempt));
    }
  }

  private async request(rows: readonly RowWrite[]): Promise<{ results: TableStore.BatchRowResult[] } | { error: unknown }> {
    while (this.inFlight >= this.settings.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    this.stats.requests++;
    try {
      const tables = new Map<string, TableStore.BatchWriteRow[]>();
      for (const row of rows) {
        let list = tables.get(row.table);
        if (!list) tables.set(row.table, (list = []));
        list.push(toBatchRow(row));
      }
      const result = await this.client.batchWriteRow({ tables: [...tables].map(([tableName, r]) => ({ tableName, rows: r })) });
      this.stats.rows += rows.length;
      // Results come back flat in request order, grouped by table as sent: put them back in `rows` order.
      const byTable = new Map<string, TableStore.BatchRowResult[]>();
      for (const r of result.tables) {
        let list = byTable.get(r.tableName);
        if (!list) byTable.set(r.tableName, (list = []));
        list.push(r);
      }
      return { results: rows.map((row) => byTable.get(row.table)!.shift()!) };
    } catch (error) {
      return { error };
    } finally {
      this.inFlight--;
      this.wake();
    }
  }
}

/** Waits for every write, then fails with the first failure: none is left running behind the caller. */
async function settled(writes: readonly Promise<void>[]): Promise<void> {
  const failure = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;
}

function toBatchRow(row: RowWrite): TableStore.BatchWriteRow {
  const primaryKey = row.primaryKey.map(([k, v]) => ({ [k]: v as TableStore.PrimaryKeyValue }));
  const condition = new Condition(row.ifAbsent ? Expect.EXPECT_NOT_EXIST : Expect.IGNORE, null);
  const columns = (row.columns ?? []).map(([k, v]) => ({ [k]: v }));
  switch (row.type) {
    case 'put':
      return { type: 'PUT', primaryKey, attributeColumns: columns, condition };
    case 'update': {
      const ops: TableStore.UpdateOfAttributeColumns = [];
      if (columns.length > 0) ops.push({ PUT: columns });
      if (row.deleted && row.deleted.length > 0) ops.push({ DELETE_ALL: [...row.deleted] });
      return { type: 'UPDATE', primaryKey, attributeColumns: ops, condition };
    }
    case 'delete':
      return { type: 'DELETE', primaryKey, condition };
  }
}

/** The service's data size of a row write: names plus values (8 bytes a number, 1 a boolean). */
export function rowBytes(row: RowWrite): number {
  let size = 0;
  for (const [k, v] of row.primaryKey) size += Buffer.byteLength(k) + valueBytes(v);
  for (const [k, v] of row.columns ?? []) size += Buffer.byteLength(k) + valueBytes(v);
  for (const k of row.deleted ?? []) size += Buffer.byteLength(k);
  return size;
}

function valueBytes(v: TablestoreValue): number {
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (Buffer.isBuffer(v)) return v.length;
  return typeof v === 'boolean' ? 1 : 8;
}

function keyId(row: RowWrite): string {
  let id = row.table;
  for (const [, v] of row.primaryKey) id += `\0${Buffer.isBuffer(v) ? v.toString('hex') : v.toString()}`;
  return id;
}

function backoff(attempt: number): number {
  const limit = Math.min(2000, 50 * 2 ** attempt);
  return limit / 2 + (Math.random() * limit) / 2;
}
