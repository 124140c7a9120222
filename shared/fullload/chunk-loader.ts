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
import type { Connection, FieldPacket } from 'mysql2/promise';
import { FcDtsError } from '../errors.ts';
import { quoteIdent, qualified } from '../mysql/identifier.ts';
import { literalEncoders, rowLiteral, selectExpr, type LiteralEncoder, type RawValue } from '../mysql/sql-literal.ts';
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
  return `SELECT ${cols.map((c) => selectExpr(c.source)).join(', ')} FROM ${qualified(t.database, t.name)} ` +
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

  const write = async (batch: string[], size: number): Promise<void> => {
    await settings.throttle.beforeWrite(batch.length, size);
    try {
      await destination.query(head + batch.join(',') + tail);
      rows += batch.length;
    } catch (e) {
      rows += await settings.onRejectedBatch(batch, e, head, tail);
    }
    bytes += size;
  };

  const flush = (batch: string[], size: number): void => {
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
    let enc: LiteralEncoder[] = [];
    let batch: string[] = [];
    let size = 0;
    const query = raw.query({ sql, rowsAsArray: true, typeCast: false });
    query.on('fields', (fields: FieldPacket[]) => {
      enc = literalEncoders(fields);
    });
    query.on('result', (row: unknown) => {
      const lit = rowLiteral(row as RawValue[], enc);
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
