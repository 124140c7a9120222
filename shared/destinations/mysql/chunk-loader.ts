/**
 * Loads one chunk of a table: with LOAD DATA where the destination allows it (load-data-loader.ts),
 * else — and for a chunk LOAD DATA refused (a duplicate key on a reload, a value the column rejects) —
 * with multi-row inserts (insert-loader.ts), which are insert-if-absent and apply the dirty-data policy.
 */
import type { Connection } from 'mysql2/promise';
import { FcDtsError } from '../../errors.ts';
import { isConnectionLost } from '../../mysql/connection.ts';
import type { TableMapping } from '../../task/object-mapper.ts';
import type { Chunk } from '../../fullload/chunk-planner.ts';
import type { ChunkLoadResult, ChunkLoadSettings } from '../../fullload/chunk-query.ts';
import { loadChunkWithInserts } from './insert-loader.ts';
import { LoadDataRejected, loadChunkWithLoadData } from './load-data-loader.ts';

export async function loadChunk(source: Connection, destination: Connection, table: TableMapping, chunk: Chunk, settings: ChunkLoadSettings): Promise<ChunkLoadResult> {
  if (settings.loadData) {
    try {
      return await loadChunkWithLoadData(source, destination, table, chunk, settings);
    } catch (e) {
      const refused = e instanceof LoadDataRejected || ((e as { errno?: number }).errno !== undefined && !isConnectionLost(e));
      if (!refused) throw e;
      settings.onFallback?.(e instanceof LoadDataRejected ? e.reason : ((e as { sqlMessage?: string }).sqlMessage ?? (e as Error).message));
    }
  }
  return loadChunkWithInserts(source, destination, table, chunk, settings);
}

/** A rejected batch under the block policy: stop, naming the table, the chunk and the server's reason. */
export function rejectedBatchError(table: TableMapping, chunk: Chunk, e: unknown): FcDtsError {
  const msg = (e as { sqlMessage?: string; message?: string }).sqlMessage ?? (e as Error).message;
  return new FcDtsError(
    'LOAD_FAILED',
    `destination ${table.target.database}.${table.target.table} rejected rows of ${table.source.database}.${table.source.name} chunk ${chunk.index}: ${msg}`,
    'fix the destination table (type, size or constraint), or set sync.dirtyData: skip to record such rows and go on',
    { cause: e },
  );
}
