/**
 * Loads one chunk with LOAD DATA LOCAL INFILE: the source rows stream straight into the statement's
 * file stream in LOAD DATA's text format, so the destination parses no SQL per row — the cheapest
 * write MySQL offers, and the chunk commits as one statement. Backpressure runs end to end: when the
 * destination reads slower than the source sends, the source connection is paused.
 *
 * Plain LOAD DATA (no IGNORE, no REPLACE) under strict sql_mode fails on a duplicate key or a value
 * that does not fit, instead of skipping or truncating; the caller then reloads the chunk with the
 * INSERT path, which is insert-if-absent and applies the dirty-data policy row by row.
 */
import { Readable } from 'node:stream';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { LoadDataWriter, loadDataSelectExpr, loadDataStatement } from './load-data-format.ts';
import { loadColumns, type TableMapping } from '../../task/object-mapper.ts';
import type { Chunk } from '../../fullload/chunk-planner.ts';
import { chunkSelect, streamingConnection, type ChunkLoadResult, type ChunkLoadSettings } from '../../fullload/chunk-query.ts';

/** Bytes handed to the file stream at a time. */
const PIECE = 256 * 1024;
/** Bytes read from the source but not yet sent to the destination before the source is paused. */
const MAX_WAITING = 4 * PIECE;

export async function loadChunkWithLoadData(
  source: Connection,
  destination: Connection,
  table: TableMapping,
  chunk: Chunk,
  settings: Pick<ChunkLoadSettings, 'throttle' | 'batchRows'>,
): Promise<ChunkLoadResult> {
  const cols = loadColumns(table);
  const select = chunkSelect(table, chunk, cols.map((c) => loadDataSelectExpr(c.source)).join(', '));
  await settings.throttle.beforeQuery();
  const raw = streamingConnection(source);
  const socket = (streamingConnection(destination) as unknown as { stream: { writableLength: number } }).stream;
  const writer = new LoadDataWriter();
  let bytes = 0;
  let sourceError: unknown;
  let paused: NodeJS.Timeout | undefined;
  let throttling = false;
  let pendingRows = 0;

  // mysql2 pipes this stream into the destination socket and pauses it on a full socket buffer, but
  // push() alone does not reliably call read() again afterwards: the source is paused on the bytes
  // actually waiting (stream buffer + socket buffer) and resumed by a short poll once they drain.
  const file = new Readable({ read() {} });
  const waiting = () => file.readableLength + socket.writableLength;
  const pauseSource = (): void => {
    if (paused) return;
    raw.pause();
    paused = setInterval(() => {
      if (throttling || waiting() > MAX_WAITING / 2) return;
      clearInterval(paused);
      paused = undefined;
      raw.resume();
    }, 2);
  };
  const push = (piece: Buffer): void => {
    bytes += piece.length;
    file.push(piece);
    if (waiting() > MAX_WAITING) pauseSource();
  };
  // Throttling (rows/s, MB/s) holds the source every batchRows rows until the limiter lets it go on.
  const throttle = (): void => {
    const rows = pendingRows;
    pendingRows = 0;
    throttling = true;
    pauseSource();
    settings.throttle.beforeWrite(rows, writer.length).then(() => (throttling = false), () => {});
  };

  let discard = false;
  let sourceDone!: () => void;
  const sourceFinished = new Promise<void>((r) => (sourceDone = r));
  const query = raw.query({ sql: select, rowsAsArray: true, typeCast: false });
  query.on('result', (row: unknown) => {
    if (discard) return;
    writer.writeRow(row as Array<Buffer | null>);
    if (writer.length >= PIECE) push(writer.take());
    if (settings.throttle.active && ++pendingRows >= settings.batchRows) throttle();
  });
  query.on('error', (e: Error) => {
    sourceError = e;
    file.destroy(e);
    sourceDone();
  });
  query.on('end', () => {
    if (!discard && writer.length > 0) push(writer.take());
    file.push(null);
    sourceDone();
  });

  // LOAD DATA LOCAL behaves as if IGNORE were given (the server cannot stop the file transfer), so a
  // value that does not fit becomes a warning and a truncated row. One transaction per chunk: it is
  // committed only when every warning is a duplicate key (insert-if-absent, as the INSERT path does).
  await destination.query('BEGIN');
  try {
    const [result] = await destination.query({
      sql: loadDataStatement(table.target.database, table.target.table, cols),
      infileStreamFactory: () => file,
    } as Parameters<Connection['query']>[0]);
    if (sourceError) throw sourceError;
    const { affectedRows, warningStatus } = result as { affectedRows: number; warningStatus: number };
    if (warningStatus > 0) await requireOnlyDuplicates(destination, warningStatus);
    await destination.query('COMMIT');
    return { rows: affectedRows, bytes };
  } catch (e) {
    await destination.query('ROLLBACK').catch(() => {});
    // The destination gave up before the source was read to the end: drain the rest so the source
    // connection is usable again (the caller may reload this chunk with inserts on it).
    discard = true;
    throttling = false;
    if (paused) {
      clearInterval(paused);
      paused = undefined;
      raw.resume();
    }
    await sourceFinished;
    throw e;
  }
}

/** LOAD DATA produced a warning other than a duplicate key: the chunk must be loaded another way. */
export class LoadDataRejected extends Error {
  constructor(readonly reason: string) {
    super(`LOAD DATA produced warnings: ${reason}`);
  }
}

const ER_DUP_ENTRY = 1062;

async function requireOnlyDuplicates(conn: Connection, count: number): Promise<void> {
  const [warnings] = await conn.query<RowDataPacket[]>('SHOW WARNINGS');
  const other = warnings.find((w) => Number(w.Code) !== ER_DUP_ENTRY);
  // SHOW WARNINGS lists at most max_error_count of them: the unseen rest might not be duplicates.
  if (other || warnings.length < count) {
    throw new LoadDataRejected(other ? `${String(other.Message)} (${count} warnings)` : `${count} warnings, more than the server lists`);
  }
}
