/**
 * The full load into Tablestore: every worker shares one client and one BatchWriteRow writer, so
 * `destination.concurrency` bounds the requests in flight across the whole load. Refused rows follow
 * the dirty-data policy: recorded and skipped, or the load stops naming the first of them.
 */
import { FcDtsError } from '../../errors.ts';
import { dirtyRowJson } from '../../state/dirty-row.ts';
import type { StateStore } from '../../state/state-store.ts';
import { tableLabel, type TableMapping } from '../../task/object-mapper.ts';
import type { Task } from '../../task/task.ts';
import type { TablestoreDestinationConfig } from './config.ts';
import type { Chunk } from '../../fullload/chunk-planner.ts';
import type { LoadTarget, LoadTargetOptions } from '../../fullload/load-target.ts';
import { openTablestoreClient } from '../../tablestore/tablestore-client.ts';
import { loadChunkToTablestore } from './tablestore-chunk-loader.ts';
import { tablestoreTable, type TablestoreTable } from './tablestore-table.ts';
import { TablestoreWriter, type FailedRow, type RowWrite } from './tablestore-writer.ts';

export async function openTablestoreLoadTarget(task: Task, destination: TablestoreDestinationConfig, store: StateStore, options: LoadTargetOptions): Promise<LoadTarget> {
  const writer = new TablestoreWriter(openTablestoreClient(destination), {
    concurrency: destination.concurrency,
    queueSize: destination.queueSize,
    retryMs: task.advanced.retry.otherMinutes * 60_000,
  });
  const tables = new Map<TableMapping, TablestoreTable>();
  const tableOf = (t: TableMapping) => tables.get(t) ?? tables.set(t, tablestoreTable(t)).get(t)!;
  return {
    async worker() {
      return {
        load: (src, table, chunk) =>
          loadChunkToTablestore(src, writer, table, tableOf(table), chunk, {
            batchRows: task.advanced.fullLoad.batchRows,
            throttle: options.throttle,
            ifAbsent: task.sync.conflictMode === 'ignore-and-proceed',
            onRefused: (rows) => refused(task, store, table, chunk, rows, options.onDirty),
          }),
        destroy: () => {},
        close: async () => {},
      };
    },
    close: async () => {},
  };
}

async function refused(task: Task, store: StateStore, table: TableMapping, chunk: Chunk, rows: readonly FailedRow[], onDirty: () => void): Promise<void> {
  if (task.sync.dirtyData === 'block') {
    throw new FcDtsError(
      'LOAD_FAILED',
      `Tablestore table ${table.target.table} refused a row of ${tableLabel(table)} chunk ${chunk.index} (key ${describeKey(rows[0]!.row)}): ${rows[0]!.reason}`,
      'fix the row on the source or the table mapping, or set sync.dirtyData: skip to record such rows and go on',
    );
  }
  for (const { row, reason } of rows) {
    onDirty();
    await store.recordDirty({ table: tableLabel(table), phase: 'full-load', position: `chunk ${chunk.index}`, reason, row: describeRow(row), at: new Date().toISOString() });
  }
}

function describeKey(row: RowWrite): string {
  return row.primaryKey.map(([k, v]) => `${k}=${show(v)}`).join(', ');
}

/** A refused row as the dirty-data log keeps it: JSON, binary values as hex, integers as digits. */
export function describeRow(row: RowWrite): string {
  return dirtyRowJson(Object.fromEntries([...row.primaryKey, ...(row.columns ?? [])].map(([k, v]) => [k, show(v)])));
}

function show(v: RowWrite['primaryKey'][number][1]): string | number | boolean {
  if (Buffer.isBuffer(v)) return `0x${v.toString('hex')}`;
  if (typeof v === 'object') return v.toString();
  return v;
}
