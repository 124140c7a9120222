/**
 * The full load into a MySQL-family destination: a connection per worker, LOAD DATA where the
 * destination allows it, multi-row inserts otherwise (chunk-loader.ts); a refused batch is retried
 * row by row under `dirtyData: skip`, so only the offending rows are set aside.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { connect, isConnectionLost } from '../../mysql/connection.ts';
import { capValue } from '../../state/dirty-row.ts';
import type { StateStore } from '../../state/state-store.ts';
import { tableLabel, type TableMapping } from '../../task/object-mapper.ts';
import type { Task } from '../../task/task.ts';
import type { MysqlDestinationConfig } from './config.ts';
import type { Chunk } from '../../fullload/chunk-planner.ts';
import { loadChunk, rejectedBatchError } from './chunk-loader.ts';
import type { LoadTarget, LoadTargetOptions } from '../../fullload/load-target.ts';

export async function openMysqlLoadTarget(task: Task, destination: MysqlDestinationConfig, store: StateStore, willLoad: boolean, options: LoadTargetOptions): Promise<LoadTarget> {
  const loadData = task.advanced.fullLoad.loadData && willLoad && (await destinationAllowsLocalInfile(destination));
  return {
    async worker() {
      const dst = await connect('destination', destination);
      return {
        load: (src, table, chunk) =>
          loadChunk(src, dst, table, chunk, {
            batchRows: task.advanced.fullLoad.batchRows,
            batchBytes: task.advanced.fullLoad.batchBytes,
            throttle: options.throttle,
            loadData,
            onFallback: (reason) => options.log?.(`chunk ${chunk.index} of ${tableLabel(table)}: LOAD DATA refused (${reason}); loading it with inserts`),
            onRejectedBatch: (rows, e, head, tail) => rejected(task, store, table, chunk, dst, rows, e, head, tail, options.onDirty),
          }),
        destroy: () => dst.destroy(),
        close: () => dst.end(),
      };
    },
    close: async () => {},
  };
}

/** LOAD DATA LOCAL needs local_infile ON in the destination (MariaDB's default; MySQL 8 defaults to OFF). */
async function destinationAllowsLocalInfile(destination: MysqlDestinationConfig): Promise<boolean> {
  const dst = await connect('destination', destination);
  try {
    const [[row]] = await dst.query<RowDataPacket[]>('SELECT @@local_infile AS v');
    return Number(row?.v) === 1;
  } finally {
    await dst.end().catch(() => {});
  }
}

/**
 * A batch the destination refused. Under `block` the load stops with the reason; under `skip` the
 * batch is retried row by row so only the offending rows are set aside, each one recorded.
 */
async function rejected(
  task: Task, store: StateStore, table: TableMapping, chunk: Chunk, dst: Connection, rows: readonly string[], e: unknown,
  head: string, tail: string, onDirty: () => void,
): Promise<number> {
  if (isConnectionLost(e) || task.sync.dirtyData === 'block') {
    throw isConnectionLost(e) ? e : rejectedBatchError(table, chunk, e);
  }
  let written = 0;
  for (const row of rows) {
    try {
      await dst.query(head + row + tail);
      written++;
    } catch (rowError) {
      if (isConnectionLost(rowError)) throw rowError;
      onDirty();
      await store.recordDirty({
        table: tableLabel(table),
        phase: 'full-load',
        position: `chunk ${chunk.index}`,
        reason: (rowError as { sqlMessage?: string }).sqlMessage ?? (rowError as Error).message,
        row: capValue(row),
        at: new Date().toISOString(),
      });
    }
  }
  return written;
}
