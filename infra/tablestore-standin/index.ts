/**
 * A local, protocol-faithful stand-in of Alibaba Cloud Tablestore (wide-column model) that the official
 * `tablestore` npm client uses unchanged: `new TableStore.Client({ endpoint: standIn.endpoint,
 * instancename: standIn.instance, accessKeyId, secretAccessKey })`. It enforces the service's limits and
 * answers with its error codes and messages; with `dir` its tables and rows survive a restart.
 */
import type { AddressInfo } from 'node:net';
import { Journal } from './journal.ts';
import { rowOperations } from './row-operations.ts';
import { createStandInServer } from './server.ts';
import { tableOperations, type OperationHandler } from './table-operations.ts';
import { LIMITS } from './limits.ts';
import { Table, WideColumnStore, type ChangeLog } from './table-store.ts';

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
  let journal: Journal | undefined;
  let tables: Table[] = [];
  if (options.dir) ({ journal, tables } = Journal.open(options.dir));
  const store = new WideColumnStore(journal ?? IN_MEMORY, options.maxTables ?? LIMITS.tables, tables);

  const requests: Record<string, number> = {};
  const operations = Object.fromEntries(
    Object.entries({ ...tableOperations(store), ...rowOperations(store) }).map(([name, handler]) => [
      name,
      ((body) => {
        requests[name] = (requests[name] ?? 0) + 1;
        return handler(body);
      }) as OperationHandler,
    ]),
  );
  const server = createStandInServer({ accessKeyId: options.accessKeyId, accessKeySecret: options.accessKeySecret, instance, operations });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    instance,
    requests,
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
