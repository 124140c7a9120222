/**
 * Loads one full-load chunk into a Tablestore table: streams the chunk's rows from the source in the
 * text protocol (the server's own text, so DECIMAL, BIGINT UNSIGNED and temporals stay exact), turns
 * each into a PutRow, and writes them through the shared BatchWriteRow writer, behind the reading
 * (WriteBehind: at most three batches in memory whatever the chunk size).
 *
 * Rows are put whole (replacing a row an interrupted earlier attempt wrote: the source is at least as
 * new). Under `conflictMode: ignore-and-proceed` they are insert-if-absent instead, in every table,
 * the ones this task created included: a row already in the destination is kept as it is, whoever
 * wrote it, as the reference product does ("during full sync, existing records with matching primary
 * or unique keys are kept as-is"). That holds for a chunk loaded again after a crash too: the rows an
 * earlier attempt wrote stay, and incremental sync, which starts at the position recorded before the
 * first chunk was read, brings them up to date.
 */
import type { Connection } from 'mysql2/promise';
import { quoteIdent } from '../../mysql/identifier.ts';
import { tableLabel, type TableMapping } from '../../task/object-mapper.ts';
import type { Throttle } from '../../throttle.ts';
import type { Chunk } from '../../fullload/chunk-planner.ts';
import { chunkSelect, streamingConnection, WriteBehind, type ChunkLoadResult } from '../../fullload/chunk-query.ts';
import { keyLabel, sizeProblem } from './tablestore-limits.ts';
import type { TablestoreTable } from './tablestore-table.ts';
import { fromText, sourceExpression, type TablestoreValue } from './tablestore-values.ts';
import type { FailedRow, RowWrite, TablestoreWriter } from './tablestore-writer.ts';

export interface TablestoreChunkSettings {
  readonly batchRows: number;
  readonly throttle: Throttle;
  readonly ifAbsent: boolean;
  /** Rows Tablestore refused for good (or that cannot be written at all): returns, or throws to stop (dirty-data policy). */
  readonly onRefused: (rows: readonly FailedRow[]) => Promise<void>;
}

export async function loadChunkToTablestore(
  source: Connection,
  writer: TablestoreWriter,
  mapping: TableMapping,
  table: TablestoreTable,
  chunk: Chunk,
  settings: TablestoreChunkSettings,
): Promise<ChunkLoadResult> {
  const cols = table.columns;
  const keyAt = table.primaryKey.map((k) => cols.findIndex((c) => c.name === k.name));
  const isKey = new Set(keyAt);
  const sql = chunkSelect(mapping, chunk, cols.map((c) => sourceExpression(c.kind, quoteIdent(c.source))).join(', '));
  await settings.throttle.beforeQuery();
  const raw = streamingConnection(source);

  let rows = 0;
  let bytes = 0;
  const write = async (batch: RowWrite[], refused: FailedRow[], size: number): Promise<void> => {
    await settings.throttle.beforeWrite(batch.length + refused.length, size);
    const failed = [...refused, ...(await writer.write(batch))];
    if (failed.length > 0) await settings.onRefused(failed);
    rows += batch.length + refused.length - failed.length;
    bytes += size;
  };

  const behind = new WriteBehind<{ batch: RowWrite[]; refused: FailedRow[]; size: number }>(raw, (b) => write(b.batch, b.refused, b.size));

  await new Promise<void>((resolve, reject) => {
    let batch: RowWrite[] = [];
    let refused: FailedRow[] = [];
    let size = 0;
    const query = raw.query({ sql, rowsAsArray: true, typeCast: false });
    query.on('result', (row: unknown) => {
      const values = row as Array<Buffer | null>;
      const primaryKey: Array<readonly [string, TablestoreValue]> = [];
      const columns: Array<readonly [string, TablestoreValue]> = [];
      let problem: string | undefined;
      for (let i = 0; i < cols.length; i++) {
        const raw = values[i] ?? null;
        size += raw?.length ?? 0;
        try {
          const v = fromText(cols[i]!.name, cols[i]!.kind, raw);
          if (v === null) continue;
          if (!isKey.has(i)) columns.push([cols[i]!.name, v]);
        } catch (e) {
          problem = (e as Error).message;
        }
      }
      for (const i of keyAt) {
        const v = fromText(cols[i]!.name, cols[i]!.kind, values[i] ?? null);
        if (v === null) problem = `primary-key column ${cols[i]!.name} is NULL: Tablestore rows need every key column`;
        else primaryKey.push([cols[i]!.name, v]);
      }
      const oversize = problem ? undefined : sizeProblem(primaryKey, columns);
      if (oversize) problem = `${tableLabel(mapping)} key ${keyLabel(primaryKey)}: ${oversize}`;
      const write: RowWrite = { table: table.name, type: 'put', primaryKey, columns, ...(settings.ifAbsent ? { ifAbsent: true } : {}) };
      if (problem) refused.push({ row: write, reason: problem });
      else batch.push(write);
      if (batch.length + refused.length >= settings.batchRows) {
        behind.flush({ batch, refused, size });
        batch = [];
        refused = [];
        size = 0;
      }
    });
    query.on('error', reject);
    query.on('end', () => {
      if (batch.length + refused.length > 0) behind.flush({ batch, refused, size });
      resolve();
    });
  });
  await behind.done();
  return { rows, bytes };
}
