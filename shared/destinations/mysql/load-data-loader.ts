/**
 * Loads one chunk with LOAD DATA LOCAL INFILE: the source rows stream straight into the statement's
 * file stream in LOAD DATA's text format, so the destination parses no SQL per row — the cheapest
 * write MySQL offers, and the chunk commits as one transaction. Backpressure runs end to end: when the
 * destination reads slower than the source sends, the source connection is paused.
 *
 * LOAD DATA LOCAL behaves as if IGNORE were given (the server cannot stop the file transfer), so a
 * duplicate key or a value that does not fit becomes a warning. The chunk commits only when every
 * warning is a duplicate key (insert-if-absent); otherwise it rolls back with LoadDataRejected and the
 * caller reloads it with the INSERT path, which applies the dirty-data policy row by row.
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

type LoadSettings = Pick<ChunkLoadSettings, 'throttle' | 'batchRows'>;

export async function loadChunkWithLoadData(source: Connection, destination: Connection, table: TableMapping, chunk: Chunk, settings: LoadSettings): Promise<ChunkLoadResult> {
  const cols = loadColumns(table);
  await settings.throttle.beforeQuery();
  const pump = new SourceFilePump(source, destination, settings);
  pump.start(chunkSelect(table, chunk, cols.map((c) => loadDataSelectExpr(c.source)).join(', ')));
  await destination.query('BEGIN');
  try {
    const [result] = await destination.query({
      sql: loadDataStatement(table.target.database, table.target.table, cols),
      infileStreamFactory: () => pump.file,
    } as Parameters<Connection['query']>[0]);
    if (pump.sourceError) throw pump.sourceError;
    const { affectedRows, warningStatus } = result as { affectedRows: number; warningStatus: number };
    if (warningStatus > 0) await requireOnlyDuplicates(destination, warningStatus);
    await destination.query('COMMIT');
    return { rows: affectedRows, bytes: pump.bytes };
  } catch (e) {
    await destination.query('ROLLBACK').catch(() => {});
    await pump.drain();
    throw e;
  }
}

/**
 * Moves a chunk's source rows into the LOAD DATA file stream, pausing the source while too much
 * waits to be sent (or while the throttle holds it).
 */
class SourceFilePump {
  // mysql2 pipes this stream into the destination socket and pauses it on a full socket buffer, but
  // push() alone does not reliably call read() again afterwards: the source is paused on the bytes
  // actually waiting (stream buffer + socket buffer) and resumed by a short poll once they drain.
  readonly file = new Readable({ read() {} });
  bytes = 0;
  sourceError: unknown;
  private readonly raw: ReturnType<typeof streamingConnection>;
  private readonly socket: { writableLength: number };
  private readonly writer = new LoadDataWriter((piece) => this.push(piece), PIECE);
  private throttledBytes = 0;
  private paused: NodeJS.Timeout | undefined;
  private throttling = false;
  private pendingRows = 0;
  private discard = false;
  private finished: Promise<void> = Promise.resolve();

  constructor(source: Connection, destination: Connection, private readonly settings: LoadSettings) {
    this.raw = streamingConnection(source);
    this.socket = (streamingConnection(destination) as unknown as { stream: { writableLength: number } }).stream;
  }

  start(select: string): void {
    this.finished = new Promise<void>((done) => {
      const query = this.raw.query({ sql: select, rowsAsArray: true, typeCast: false });
      query.on('result', (row: unknown) => this.onRow(row as Array<Buffer | null>));
      query.on('error', (e: Error) => {
        this.sourceError = e;
        this.file.destroy(e);
        done();
      });
      query.on('end', () => {
        if (!this.discard) this.writer.flush();
        this.file.push(null);
        done();
      });
    });
  }

  /** The destination gave up before the source was read to the end: read the rest unsent, so the source connection is usable again (the caller may reload the chunk with inserts on it). */
  async drain(): Promise<void> {
    this.discard = true;
    this.throttling = false;
    if (this.paused) {
      clearInterval(this.paused);
      this.paused = undefined;
      this.raw.resume();
    }
    await this.finished;
  }

  private onRow(row: Array<Buffer | null>): void {
    if (this.discard) return;
    this.writer.writeRow(row);
    if (this.settings.throttle.active && ++this.pendingRows >= this.settings.batchRows) this.throttle();
  }

  private waiting(): number {
    return this.file.readableLength + this.socket.writableLength;
  }

  private push(piece: Buffer): void {
    this.bytes += piece.length;
    this.file.push(piece);
    if (this.waiting() > MAX_WAITING) this.pauseSource();
  }

  private pauseSource(): void {
    if (this.paused) return;
    this.raw.pause();
    this.paused = setInterval(() => {
      if (this.throttling || this.waiting() > MAX_WAITING / 2) return;
      clearInterval(this.paused);
      this.paused = undefined;
      this.raw.resume();
    }, 2);
  }

  /** Throttling (rows/s, MB/s) holds the source every batchRows rows until the limiter lets it go on. */
  private throttle(): void {
    const rows = this.pendingRows;
    const bytes = this.bytes + this.writer.length - this.throttledBytes;
    this.pendingRows = 0;
    this.throttledBytes += bytes;
    this.throttling = true;
    this.pauseSource();
    this.settings.throttle.beforeWrite(rows, bytes).then(() => (this.throttling = false), () => {});
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
