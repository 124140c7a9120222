/**
 * Loads one chunk with multi-row INSERTs: streams its rows from the source, rendered by the source
 * server as SQL literals, reading the next batch while the previous one is written. Memory holds at
 * most two batches whatever the chunk size. Works on every MySQL-family destination; the LOAD DATA
 * path (load-data-loader.ts) is faster where the destination allows it.
 *
 * Writes are insert-if-absent (`ON DUPLICATE KEY UPDATE k = k`, not INSERT IGNORE, which would also
 * turn a truncated value into a warning): a chunk reloaded after a crash leaves the rows it already
 * wrote as they are, and incremental sync overwrites them later with the binlog's after-images.
 */
import type { Connection } from 'mysql2/promise';
import { quoteIdent, qualified } from '../../mysql/identifier.ts';
import { rowLiteralSelect } from '../../mysql/sql-literal.ts';
import { loadColumns, type TableMapping } from '../../task/object-mapper.ts';
import type { Chunk } from '../../fullload/chunk-planner.ts';
import { chunkSelect, streamingConnection, WriteBehind, type ChunkLoadResult, type ChunkLoadSettings } from '../../fullload/chunk-query.ts';

/** The statement pieces around the VALUES list of a chunk's inserts. */
export function insertStatement(table: TableMapping): { head: string; tail: string } {
  const cols = loadColumns(table);
  const target = qualified(table.target.database, table.target.table);
  const firstKey = quoteIdent(table.columns.find((c) => c.source.name === table.key[0])!.target);
  return {
    head: `INSERT INTO ${target} (${cols.map((c) => quoteIdent(c.target)).join(', ')}) VALUES `,
    tail: ` ON DUPLICATE KEY UPDATE ${firstKey} = ${firstKey}`,
  };
}

export async function loadChunkWithInserts(
  source: Connection,
  destination: Connection,
  table: TableMapping,
  chunk: Chunk,
  settings: ChunkLoadSettings,
): Promise<ChunkLoadResult> {
  const { head, tail } = insertStatement(table);
  const sql = chunkSelect(table, chunk, rowLiteralSelect(loadColumns(table).map((c) => c.source)));
  await settings.throttle.beforeQuery();
  const raw = streamingConnection(source);

  let rows = 0;
  let bytes = 0;
  const write = async (batch: Buffer[], size: number): Promise<void> => {
    await settings.throttle.beforeWrite(batch.length, size);
    try {
      await destination.query(head + joinRows(batch, size) + tail);
      rows += batch.length;
    } catch (e) {
      rows += await settings.onRejectedBatch(batch.map((b) => b.toString('utf8')), e, head, tail);
    }
    bytes += size;
  };

  const behind = new WriteBehind<{ batch: Buffer[]; size: number }>(raw, ({ batch, size }) => write(batch, size));

  await new Promise<void>((resolve, reject) => {
    let batch: Buffer[] = [];
    let size = 0;
    const query = raw.query({ sql, rowsAsArray: true, typeCast: false });
    query.on('result', (row: unknown) => {
      const lit = (row as [Buffer])[0];
      batch.push(lit);
      size += lit.length + 1;
      if (batch.length >= settings.batchRows || size >= settings.batchBytes) {
        behind.flush({ batch, size });
        batch = [];
        size = 0;
      }
    });
    query.on('error', reject);
    query.on('end', () => {
      if (batch.length > 0) behind.flush({ batch, size });
      resolve();
    });
  });
  await behind.done();
  return { rows, bytes };
}

/** `row1,row2,...` decoded once per batch rather than once per row. */
function joinRows(rows: readonly Buffer[], size: number): string {
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const r of rows) {
    if (at > 0) out[at++] = 0x2c; // ','
    at += r.copy(out, at);
  }
  return out.toString('utf8', 0, at);
}
