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
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { FaultInjector, type StandInFaults } from './fault-injector.ts';
import { Journal } from './journal.ts';
import { LIMITS } from './limits.ts';
import { RequestLog, type BatchWriteRecord, type InFlight } from './request-log.ts';
import { RowOperations, type BatchWriteHooks } from './row-operations.ts';
import { createStandInServer, type ServedOperation } from './server.ts';
import { TableOperations, type OperationHandler } from './table-operations.ts';
import { Table, WideColumnStore, type ChangeLog } from './table-store.ts';

export type { OtsErrorCode } from './errors.ts';
export type { StandInFaults } from './fault-injector.ts';
export type { BatchWriteRecord, InFlight } from './request-log.ts';

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

export async function startTablestoreStandIn(options: TablestoreStandInOptions): Promise<TablestoreStandIn> {
  const instance = options.instance ?? 'fcdts';
  const { store, journal } = openStore(options);
  const log = new RequestLog();
  const faults = new FaultInjector();
  const server = createStandInServer({
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    instance,
    operations: servedOperations(store, log, faults),
    onRequest: (operation) => log.arrived(operation),
  });
  const port = await listen(server, options.port ?? 0);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    instance,
    requests: log.requests,
    rejected: log.rejected,
    batchWrites: log.batchWrites,
    inFlight: log.inFlight,
    batchWriteRowsInFlight: log.batchWriteRowsInFlight,
    faults,
    close: closer(server, () => journal?.close(store.allTables())),
  };
}

/** The store, from the journal in `dir` when there is one, else in memory. */
function openStore(options: TablestoreStandInOptions): { store: WideColumnStore; journal: Journal | undefined } {
  let journal: Journal | undefined;
  let tables: Table[] = [];
  if (options.dir) ({ journal, tables } = Journal.open(options.dir));
  return { store: new WideColumnStore(journal ?? IN_MEMORY, options.maxTables ?? LIMITS.tables, tables), journal };
}

/** Every operation over `store`, recorded in `log` and misbehaving as `faults` says. */
function servedOperations(store: WideColumnStore, log: RequestLog, faults: FaultInjector): Record<string, ServedOperation> {
  const hooks: BatchWriteHooks = { ...log.hooks, rowFault: (table) => faults.rowFault(table) };
  const handlers = { ...new TableOperations(store).handlers(), ...new RowOperations(store, hooks).handlers() };
  return Object.fromEntries(Object.entries(handlers).map(([name, handler]) => [name, served(name, handler, log, faults)]));
}

function served(name: string, handler: OperationHandler, log: RequestLog, faults: FaultInjector): ServedOperation {
  return (body) => {
    const answer = log.handle(name, body, () => {
      const fault = faults.requestFault(name);
      if (fault) throw fault;
      return handler(body);
    });
    const ms = faults.delayOf(name);
    return ms > 0 ? sleep(ms).then(answer) : answer();
  };
}

/** Listens on 127.0.0.1:`port` (0: a free one); resolves to the port. */
async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Stops the server, then `closeStore`; every call after the first returns the first one's promise. */
function closer(server: Server, closeStore: () => void): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((err) => {
        try {
          closeStore();
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
  };
}
