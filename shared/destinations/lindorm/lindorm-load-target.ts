/**
 * The full load into Lindorm: one pool of sessions for all load workers (a session each), every chunk
 * written as UPSERTs (lindorm-chunk-loader.ts). Rows Lindorm cannot take follow the dirty-data policy:
 * recorded and skipped, or the load stops naming the first of them.
 */
import { FcDtsError } from '../../errors.ts';
import type { Chunk } from '../../fullload/chunk-planner.ts';
import type { LoadTarget, LoadTargetOptions } from '../../fullload/load-target.ts';
import { dirtyRowJson } from '../../state/dirty-row.ts';
import type { StateStore } from '../../state/state-store.ts';
import { tableLabel, type TableMapping } from '../../task/object-mapper.ts';
import type { TaskOf } from '../destination.ts';
import { upsertLimits, type LindormDestinationConfig } from './config.ts';
import { loadChunkToLindorm, type RefusedSourceRow } from './lindorm-chunk-loader.ts';
import { LindormSessions } from './lindorm-session.ts';
import { lindormTable, type LindormTable } from './lindorm-table.ts';
import { LindormWriter } from './lindorm-writer.ts';

export async function openLindormLoadTarget(task: TaskOf<LindormDestinationConfig>, store: StateStore, options: LoadTargetOptions): Promise<LoadTarget> {
  const workers = task.advanced.fullLoad.workers;
  const sessions = await LindormSessions.open(task.destination, workers);
  const writer = new LindormWriter(sessions, 1);
  const tables = new Map<TableMapping, LindormTable>();
  const tableOf = (t: TableMapping): LindormTable => tables.get(t) ?? tables.set(t, readable(t)).get(t)!;
  return {
    async worker() {
      return {
        load: (source, table, chunk) =>
          loadChunkToLindorm(source, writer, table, tableOf(table), chunk, {
            limits: upsertLimits(task.advanced),
            literals: sessions.literals,
            throttle: options.throttle,
            onRefused: (rows) => refused(task, store, table, chunk, rows, options.onDirty),
          }),
        destroy: () => {},
        close: async () => {},
      };
    },
    close: () => sessions.close(),
  };
}

/** The table as Lindorm holds it; the precheck refused the task already if it cannot. */
function readable(t: TableMapping): LindormTable {
  const read = lindormTable(t);
  if ('refusals' in read) throw new FcDtsError('LOAD_FAILED', `${tableLabel(t)} cannot be loaded into Lindorm: ${read.refusals.join('; ')}`, 'leave the table or its columns out of the task (run fc-dts precheck for each problem)');
  return read.table;
}

async function refused(task: TaskOf<LindormDestinationConfig>, store: StateStore, table: TableMapping, chunk: Chunk, rows: readonly RefusedSourceRow[], onDirty: () => void): Promise<void> {
  if (task.sync.dirtyData === 'block') {
    throw new FcDtsError('LOAD_FAILED', `Lindorm table ${table.target.table} refused a row of ${tableLabel(table)} chunk ${chunk.index}: ${rows[0]!.reason}`, 'fix the row on the source or the table mapping, or set sync.dirtyData: skip to record such rows and go on');
  }
  for (const { row, reason } of rows) {
    onDirty();
    await store.recordDirty({ table: tableLabel(table), phase: 'full-load', position: `chunk ${chunk.index}`, reason, row: dirtyRowJson(row), at: new Date().toISOString() });
  }
}
