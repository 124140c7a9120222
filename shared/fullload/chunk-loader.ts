/**
 * Loads one chunk: streams its rows from the source and writes them to the destination as
 * multi-row inserts, reading the next batch while the previous one is written. Memory holds at most
 * two batches whatever the chunk size.
 *
 * Writes are insert-if-absent (`ON DUPLICATE KEY UPDATE k = k`, not INSERT IGNORE, which would also
 * turn a truncated value into a warning): a chunk reloaded after a crash leaves the rows it already
 * wrote as they are, and incremental sync overwrites them later with the binlog's after-images.
 */
import type { Connection as CallbackConnection } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { FcDtsError } from '../errors.ts';
import { quoteIdent, qualified } from '../mysql/identifier.ts';
import { rowLiteralSelect } from '../mysql/sql-literal.ts';
import { renderWhereSql } from '../filter/where-filter.ts';
import { loadColumns, type TableMapping } from '../task/object-mapper.ts';
import type { Throttle } from '../throttle.ts';
import { chunkCondition, keyOrder, type Chunk } from './chunk-planner.ts';

export interface ChunkLoadSettings {
  readonly batchRows: number;
  readonly batchBytes: number;
  readonly throttle: Throttle;
  /** Called for a batch the destination rejected (not a lost connection); returns after handling it or throws to stop. */
  readonly onRejectedBatch: (rows: readonly string[], error: unknown, insertHead: string, insertTail: string) => Promise<number>;
}

export interface ChunkLoadResult {
  readonly rows: number;
  readonly bytes: number;
}

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

export function chunkSelect(table: TableMapping, chunk: Chunk): string {
  const cols = loadColumns(table);
  const t = table.source;
  const where = table.where ? ` AND (${renderWhereSql(table.where)})` : '';
  return `SELECT ${rowLiteralSelect(cols.map((c) => c.source))} FROM ${qualified(t.database, t.name)} ` +
    `WHERE ${chunkCondition(table.key, chunk)}${where} ORDER BY ${keyOrder(table.key)}`;
}

export async function loadChunk(
  source: Connection,
  destination: Connection,
  table: TableMapping,
  chunk: Chunk,
  settings: ChunkLoadSettings,
): Promise<ChunkLoadResult> {
  const { head, tail } = insertStatement(table);
  const sql = chunkSelect(table, chunk);
  await settings.throttle.beforeQuery();
  // The promise wrapper has no row events; the callback connection underneath streams.
  const raw = (source as unknown as { connection: CallbackConnection }).connection;

  let rows = 0;
  let bytes = 0;
  let failure: unknown;
  let writes: Promise<void> = Promise.resolve();
  let inflight = 0;
  let paused = false;

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

  const flush = (batch: Buffer[], size: number): void => {
    inflight++;
    writes = writes
      .then(() => (failure ? undefined : write(batch, size)))
      .catch((e: unknown) => {
        failure ??= e;
      })
      .finally(() => {
        inflight--;
        if (paused && inflight < 2) {
          paused = false;
          raw.resume();
        }
      });
    // One batch being written and one being filled: beyond that, stop reading the source.
    if (inflight >= 2 && !paused) {
      paused = true;
      raw.pause();
    }
  };

  await new Promise<void>((resolve, reject) => {
    let batch: Buffer[] = [];
    let size = 0;
    const query = raw.query({ sql, rowsAsArray: true, typeCast: false });
    query.on('result', (row: unknown) => {
      const lit = (row as [Buffer])[0];
      batch.push(lit);
      size += lit.length + 1;
      if (batch.length >= settings.batchRows || size >= settings.batchBytes) {
        flush(batch, size);
        batch = [];
        size = 0;
      }
    });
    query.on('error', reject);
    query.on('end', () => {
      if (batch.length > 0) flush(batch, size);
      resolve();
    });
  });
  await writes;
  if (failure) throw failure;
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
