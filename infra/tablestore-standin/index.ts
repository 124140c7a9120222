/**
 * A local, protocol-faithful stand-in of Alibaba Cloud Tablestore (wide-column model) that the official
 * `tablestore` npm client uses unchanged: `new TableStore.Client({ endpoint: standIn.endpoint,
 * instancename: standIn.instance, accessKeyId, secretAccessKey })`. It enforces the service's limits and
 * answers with its error codes and messages; with `dir` its tables and rows survive a restart.
 *
 * For tests it counts what it was asked (requests, refusals, each BatchWriteRow's rows and bytes, requests
 * and rows in flight) and can misbehave on request (`faults`): answer rows or whole requests with the
 * service's transient errors, and hold answers back so that concurrency becomes visible.
 */
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serviceError, type OtsError, type OtsErrorCode } from './errors.ts';
import { Journal } from './journal.ts';
import { rowOperations, type BatchWriteHooks } from './row-operations.ts';
import { createStandInServer, type ServedOperation } from './server.ts';
import { tableOperations } from './table-operations.ts';
import { LIMITS } from './limits.ts';
import { Table, WideColumnStore, type ChangeLog } from './table-store.ts';

export type { OtsErrorCode } from './errors.ts';

export interface TablestoreStandInOptions {
  /** Directory to persist to; without it everything lives in memory. */
  dir?: string;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  accessKeyId: string;
  accessKeySecret: string;
  /** Instance name clients must send (x-ots-instancename); default 'fcdts'. */
  instance?: string;
  /** Tables per instance; default 64 as in the service. */
  maxTables?: number;
}

/** How many BatchWriteRow records the stand-in keeps at most (the older half goes when they are reached). */
const BATCH_WRITES_KEPT = 100_000;

/** One BatchWriteRow request as the stand-in received and answered it. */
export interface BatchWriteRecord {
  /** Rows in the request, all tables together (0 when refused before it was decoded: undecodable, or an injected fault). */
  readonly rows: number;
  /** Size of the request body on the wire (protobuf), in bytes. */
  readonly bodyBytes: number;
  /** The rows' data size as the service's 4 MB limit counts it; undefined when refused before it was measured. */
  readonly dataBytes: number | undefined;
  /** Rows answered with an error in the per-row results (not written). */
  readonly failedRows: number;
  /** The error code when the request was refused as a whole; undefined when it was answered per row. */
  readonly rejected: OtsErrorCode | undefined;
}

/** Misbehaviour on request. Faults are used up in order, first come first served. */
export interface StandInFaults {
  /**
   * The next `count` rows of `table` in BatchWriteRow requests are not written and get `code` in the
   * response's per-row results (the request itself answers 200), as the service does for a busy partition.
   */
  failRows(table: string, count: number, code: OtsErrorCode, message?: string): void;
  /** The next `count` requests of `operation` are refused as a whole with `code` (its HTTP status), doing nothing. */
  failRequests(operation: string, count: number, code: OtsErrorCode, message?: string): void;
  /** Requests of `operation` are done at once but answered `ms` later (0: at once again). */
  delay(operation: string, ms: number): void;
  /** Faults not used up yet, rows and requests together. */
  readonly pending: number;
  /** Forgets every fault and delay. */
  clear(): void;
}

export interface InFlight {
  /** Right now. */
  readonly now: number;
  /** The most at once so far. */
  readonly max: number;
}

export interface TablestoreStandIn {
  readonly endpoint: string;
  readonly instance: string;
  /** Requests answered so far, per operation (`BatchWriteRow`: …): what the service would bill. */
  readonly requests: Readonly<Record<string, number>>;
  /** Requests refused as a whole (answered with an error status), per operation; per-row errors are not counted here, nor requests the stand-in closed on. */
  readonly rejected: Readonly<Record<string, number>>;
  /** The BatchWriteRow requests that reached the operation, in order of arrival: every one, up to the last 100,000 or so. */
  readonly batchWrites: readonly BatchWriteRecord[];
  /** Requests between arrival and answer, per operation. */
  readonly inFlight: Readonly<Record<string, InFlight>>;
  /** Rows of BatchWriteRow requests between being read and being answered. */
  readonly batchWriteRowsInFlight: InFlight;
  readonly faults: StandInFaults;
  close(): Promise<void>;
}

const IN_MEMORY: ChangeLog = {
  createTable() {},
  updateTable() {},
  deleteTable() {},
  putRow() {},
  deleteRow() {},
};

interface Fault {
  remaining: number;
  readonly error: () => OtsError;
}

class Gauge implements InFlight {
  now = 0;
  max = 0;
  add(n: number): void {
    this.now += n;
    if (this.now > this.max) this.max = this.now;
  }
}

type MutableRecord = { -readonly [K in keyof BatchWriteRecord]: BatchWriteRecord[K] };

export async function startTablestoreStandIn(options: TablestoreStandInOptions): Promise<TablestoreStandIn> {
  const instance = options.instance ?? 'fcdts';
  let journal: Journal | undefined;
  let tables: Table[] = [];
  if (options.dir) ({ journal, tables } = Journal.open(options.dir));
  const store = new WideColumnStore(journal ?? IN_MEMORY, options.maxTables ?? LIMITS.tables, tables);

  const requests: Record<string, number> = {};
  const rejected: Record<string, number> = {};
  const batchWrites: MutableRecord[] = [];
  const inFlight: Record<string, Gauge> = {};
  const rowsInFlight = new Gauge();
  const rowFaults = new Map<string, Fault[]>();
  const requestFaults = new Map<string, Fault[]>();
  const delays = new Map<string, number>();
  const take = (queue: Fault[] | undefined): OtsError | undefined => {
    const fault = queue?.[0];
    if (!fault) return undefined;
    if (--fault.remaining <= 0) queue.shift();
    return fault.error();
  };
  const add = (queues: Map<string, Fault[]>, key: string, count: number, code: OtsErrorCode, message: string | undefined) => {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`fault count must be a positive integer, not ${count}`);
    let queue = queues.get(key);
    if (!queue) queues.set(key, (queue = []));
    queue.push({ remaining: count, error: () => serviceError(code, message) });
  };

  // The BatchWriteRow being handled: handlers run synchronously, so the hooks always report on it.
  let current: MutableRecord | undefined;
  const hooks: BatchWriteHooks = {
    decoded: (rows) => void (current && (current.rows = rows)),
    measured: (bytes) => void (current && (current.dataBytes = bytes)),
    answered: (failed) => void (current && (current.failedRows = failed)),
    rowFault: (table) => take(rowFaults.get(table)),
  };

  const operations = Object.fromEntries(
    Object.entries({ ...tableOperations(store), ...rowOperations(store, hooks) }).map(([name, handler]): [string, ServedOperation] => [
      name,
      (body) => {
        requests[name] = (requests[name] ?? 0) + 1;
        const record: MutableRecord | undefined =
          name === 'BatchWriteRow' ? { rows: 0, bodyBytes: body.length, dataBytes: undefined, failedRows: 0, rejected: undefined } : undefined;
        if (record) {
          // A long-running stand-in (npm run stand-ins) keeps the recent requests only.
          if (batchWrites.length >= BATCH_WRITES_KEPT) batchWrites.splice(0, BATCH_WRITES_KEPT / 2);
          batchWrites.push(record);
        }
        let answer: { body: Uint8Array } | { error: unknown };
        current = record;
        try {
          const fault = take(requestFaults.get(name));
          if (fault) throw fault;
          answer = { body: handler(body) };
        } catch (error) {
          answer = { error };
          if (record) record.rejected = (error as Partial<OtsError>).code ?? 'OTSInternalServerError';
        } finally {
          current = undefined;
        }
        const rows = record?.rows ?? 0;
        rowsInFlight.add(rows);
        const settle = (): Uint8Array => {
          rowsInFlight.add(-rows);
          if ('error' in answer) throw answer.error;
          return answer.body;
        };
        const ms = delays.get(name) ?? 0;
        return ms > 0 ? sleep(ms).then(settle) : settle();
      },
    ]),
  );
  const server = createStandInServer({
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    instance,
    operations,
    onRequest(operation) {
      const gauge = (inFlight[operation] ??= new Gauge());
      gauge.add(1);
      return (status) => {
        gauge.add(-1);
        if (status !== 200 && status !== 0) rejected[operation] = (rejected[operation] ?? 0) + 1;
      };
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const faults: StandInFaults = {
    failRows: (table, count, code, message) => add(rowFaults, table, count, code, message),
    failRequests: (operation, count, code, message) => add(requestFaults, operation, count, code, message),
    delay(operation, ms) {
      if (ms > 0) delays.set(operation, ms);
      else delays.delete(operation);
    },
    get pending() {
      let n = 0;
      for (const queues of [rowFaults, requestFaults]) for (const queue of queues.values()) for (const f of queue) n += f.remaining;
      return n;
    },
    clear() {
      rowFaults.clear();
      requestFaults.clear();
      delays.clear();
    },
  };

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    instance,
    requests,
    rejected,
    batchWrites,
    inFlight,
    batchWriteRowsInFlight: rowsInFlight,
    faults,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => {
          try {
            journal?.close(store.allTables());
          } catch (e) {
            reject(e);
            return;
          }
          if (err) reject(err);
          else resolve();
        });
        // The SDK keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
