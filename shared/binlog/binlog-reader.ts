/**
 * Reads a MySQL/MariaDB binlog as a replica would (COM_BINLOG_DUMP through @vlasky/zongji) and yields
 * the changes in binlog order as an async iterable: row images with lossless values (cell-encoder.ts),
 * DDL statements, transaction ends with the position reading can resume from, and idle heartbeats.
 *
 * Positions (docs/architecture.md §3.1): every event carries { file: numeric suffix, offset: START offset of the event
 * in its file, row }. zongji reports the header's end_log_pos (`nextPosition`) and the body size
 * (`size` = event length − header − checksum), so the start is nextPosition − size − 19 − (4 with
 * CRC32). On MariaDB 10.11 every event of a transaction has a real end_log_pos (checked against
 * SHOW BINLOG EVENTS in test/binlog-reader.test.ts); an event without one is refused rather than
 * given an invented position.
 *
 * Memory is bounded: when more than `highWaterMark` rows (other events count 1) wait unconsumed, the
 * binlog connection is paused (mysql2 `Connection.pause()`: the socket stops being read and packets
 * already received are parked undecoded), and resumed once the consumer has taken half of them.
 */
import ZongJi from '@vlasky/zongji';
import type {
  AnyBinlogEvent, BinlogEventByTypeName, BinlogEventTypeName, ColumnInfo, ColumnSchema, TableMapEntry, TableMapEvent,
} from '@vlasky/zongji';
import type { RowDataPacket } from 'mysql2/promise';
import type { CellValue } from '../change/change-event.ts';
import type { BinlogPosition, BinlogStart, ResumePoint } from '../change/position.ts';
import { binlogFileNumber } from '../change/position.ts';
import { FcDtsError } from '../errors.ts';
import { connect, connectionError, isConnectionLost } from '../mysql/connection.ts';
import type { MysqlEndpoint } from '../task/task.ts';
import { cellEncoder, ColumnType } from './cell-encoder.ts';
import type { BinlogColumn } from './cell-encoder.ts';
import { fastDecoder, rowDecoder, type ValueDecoder } from './row-decoder.ts';
import type { SchemaHistory } from '../schema-history/schema-history.ts';
import { historyColumnSchemas, noColumnNamesError } from './history-columns.ts';
import { definitionErrorOf, patchZongji, rowDecodersOf, setDefinitionSource, zongjiValueReader } from './zongji-patches.ts';

export interface BinlogReaderOptions {
  readonly endpoint: MysqlEndpoint;
  /** Replica server id: unique among everything reading this source's binlog (the server drops an older dump with the same id). */
  readonly serverId: number;
  readonly start: BinlogStart;
  /** only row/DDL events of these databases are decoded (others are skipped cheaply) */
  readonly databases?: readonly string[];
  /** max events buffered before the stream is paused (backpressure); rows of a row event each count, default 10,000 */
  readonly highWaterMark?: number;
  /** Seconds of source idleness after which the server sends a heartbeat (MariaDB/MySQL @master_heartbeat_period); 0 turns them off. Default 10. */
  readonly heartbeatSeconds?: number;
  /**
   * The definitions of the tracked tables through the binlog: every DDL statement read moves it on, and
   * TABLE_MAPs without column names are decoded with the definition it has at their position. Without
   * it such a TABLE_MAP stops the reader.
   */
  readonly schemaHistory?: SchemaHistory;
}

export type SourceEvent =
  | {
      readonly kind: 'rows';
      /** row = index of the FIRST row; row i of `rows` has position pos.row + i */
      readonly pos: BinlogPosition;
      /** event time, seconds since the epoch */
      readonly ts: number;
      readonly database: string;
      readonly table: string;
      readonly op: 'insert' | 'update' | 'delete';
      readonly rows: ReadonlyArray<{ readonly before?: Record<string, CellValue>; readonly after?: Record<string, CellValue> }>;
      /** column names in table order, as the table was when the event was written */
      readonly columns: readonly string[];
      /**
       * their types as the event's TableMap describes them (INFORMATION_SCHEMA-style COLUMN_TYPE:
       * `int`, `bigint unsigned`, `varchar(20)`, `bit(1)`, `point`; no display widths, the binlog has
       * none), '' where unknown; the same array for every event of an unchanged table definition
       */
      readonly columnTypes: readonly string[];
      /** A safe place to restart reading from: the start of the event's transaction (its GTID event, or BEGIN). */
      readonly txStart: ResumePoint;
      readonly gtid?: string;
    }
  | {
      /** DDL and other statements logged as text (not BEGIN/COMMIT/XA/SAVEPOINT). */
      readonly kind: 'query';
      readonly pos: BinlogPosition;
      readonly ts: number;
      /** the statement's default database ('' when none): its unqualified names refer to it */
      readonly database: string;
      readonly sql: string;
      readonly txStart: ResumePoint;
      readonly gtid?: string;
    }
  | {
      /**
       * The end of a transaction: its XID / COMMIT / XA PREPARE event. A statement that is its own
       * transaction (a DDL) has no such event: its commit follows it with the statement's offset and
       * row 1, so positions stay strictly increasing.
       */
      readonly kind: 'commit';
      readonly pos: BinlogPosition;
      readonly ts: number;
      /** where reading can resume after this transaction */
      readonly next: ResumePoint;
      readonly gtid?: string;
    }
  | {
      /** The source was idle; everything before `next` has been delivered. */
      readonly kind: 'heartbeat';
      readonly ts: number;
      readonly next: ResumePoint;
    };

/** The saved position is gone from the source (binlog purged, or never there): only a new full load can recover. */
export class BinlogPurgedError extends FcDtsError {
  constructor(where: string, serverMessage: string, options?: { cause?: unknown }) {
    super(
      'STATE_INVALID',
      `binlog position ${where} is no longer on the source (${serverMessage}); the changes since then are lost to fc-dts, so a new full load is needed`,
      'delete the state directory and run again (it starts with a new full load); keep binlogs longer on the source (expire_logs_days / binlog_expire_logs_seconds) so a stopped task can catch up',
      options,
    );
  }
}

/** The binlog holds something this reader cannot turn into exact changes. */
export class BinlogDecodeError extends FcDtsError {
  constructor(message: string, fix: string, options?: { cause?: unknown }) {
    super('ENVIRONMENT', message, fix, options);
  }
}

const DEFAULT_HIGH_WATER_MARK = 10_000;
const DEFAULT_HEARTBEAT_SECONDS = 10;
/**
 * How long the server may wait on a paused reader before it drops the dump connection
 * (net_write_timeout, default 60 s, would cut off a consumer slowed by a busy destination).
 */
const DUMP_WRITE_TIMEOUT_SECONDS = 3600;
const BINARY_COLLATION_ID = 63;

/** zongji's event filter: everything the reader interprets; other event types are not even parsed. */
const EVENTS = ['rotate', 'mariadbgtid', 'gtid', 'anonymousgtid', 'query', 'xid', 'xaprepare', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'heartbeat'];

/** Text-carrying binlog types whose zongji decoding follows `ColumnInfo.charset`. */
const TEXT_TYPES = new Set<number>([
  ColumnType.VARCHAR, ColumnType.VAR_STRING, ColumnType.STRING, ColumnType.VARCHAR_COMPRESSED,
  ColumnType.TINY_BLOB, ColumnType.MEDIUM_BLOB, ColumnType.LONG_BLOB, ColumnType.BLOB, ColumnType.BLOB_COMPRESSED,
]);

/** The parts of zongji's TableMap and rows events the typings leave out (lib/binlog_event.js, lib/rows_event.js). */
interface TableMapInternals { readonly _columnCharsetIds?: ReadonlyArray<number | undefined> }
interface RowsInternals { readonly numberOfColumns: number; readonly columns_present_bitmap?: Buffer; readonly columns_present_bitmap2?: Buffer }

interface TableInfo {
  readonly database: string;
  readonly table: string;
  readonly columns: readonly string[];
  readonly columnTypes: readonly string[];
  /** The TableMap's column definitions the decoder was built for. */
  readonly definition: readonly BinlogColumn[];
  /** zongji's column list they came from (a reused TableMap hands the same list back: zongji-patches.ts). */
  readonly zcolumns: readonly ColumnInfo[];
}

type RowImage = Record<string, CellValue>;

type Waiter = { resolve: (r: IteratorResult<SourceEvent>) => void; reject: (e: unknown) => void };

function is<N extends BinlogEventTypeName>(e: AnyBinlogEvent, name: N): e is BinlogEventByTypeName<N> {
  return e.getTypeName() === name;
}

export class BinlogReader implements AsyncIterable<SourceEvent> {
  private readonly options: BinlogReaderOptions;
  private readonly highWaterMark: number;
  private readonly lowWaterMark: number;
  private readonly databases: ReadonlySet<string> | undefined;

  private zongji: ZongJi | undefined;
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private failure: unknown;

  /** Events not yet taken by the consumer: queue[head..]. */
  private queue: SourceEvent[] = [];
  private head = 0;
  private bufferedCount = 0;
  private paused = false;
  private readonly waiters: Waiter[] = [];

  /** Collation id → character set, as the connected server defines them. */
  private collations = new Map<number, string>();
  private readonly tables = new Map<number, TableInfo>();
  /** The file being read (full name) and the transaction being read. */
  private file: string | undefined;
  private txStart: ResumePoint | undefined;
  private inTransaction = false;
  private numberedFile: string | undefined;
  private numberOfFile = 0;

  constructor(options: BinlogReaderOptions) {
    this.options = options;
    this.highWaterMark = Math.max(1, options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK);
    this.lowWaterMark = Math.floor(this.highWaterMark / 2);
    this.databases = options.databases ? new Set(options.databases) : undefined;
  }

  /** the binlog base name, e.g. 'mariadb-bin', known after the first event */
  get baseName(): string | undefined {
    return this.file?.replace(/\.\d+$/, '');
  }

  /** Events (rows of row events) received and not yet taken by the consumer. */
  get buffered(): number {
    return this.bufferedCount;
  }

  [Symbol.asyncIterator](): AsyncIterator<SourceEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.stop();
        return { done: true, value: undefined };
      },
    };
  }

  /** Disconnects; a pending or later next() reports the end of the stream. */
  stop(): Promise<void> {
    this.stopped = true;
    this.queue = [];
    this.head = 0;
    this.bufferedCount = 0;
    for (const w of this.waiters.splice(0)) w.resolve({ done: true, value: undefined });
    return (this.stopping ??= this.stopZongji());
  }

  private stopZongji(): Promise<void> {
    const z = this.zongji;
    if (!z) return Promise.resolve();
    return new Promise<void>((resolve) => {
      z.once('stopped', () => resolve());
      z.stop();
    });
  }

  private next(): Promise<IteratorResult<SourceEvent>> {
    if (!this.started) {
      this.started = true;
      this.start().catch((e: unknown) => this.fail(e));
    }
    if (this.head < this.queue.length) {
      const value = this.queue[this.head]!;
      this.queue[this.head++] = undefined as unknown as SourceEvent; // let it be collected
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.bufferedCount -= weight(value);
      if (this.paused && this.bufferedCount <= this.lowWaterMark) {
        this.paused = false;
        // Replays the parked packets synchronously (they may pause again), then reads the socket.
        this.zongji?.connection?.resume();
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.stopped) return Promise.resolve({ done: true, value: undefined });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private push(event: SourceEvent): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter.resolve({ done: false, value: event });
      return;
    }
    this.queue.push(event);
    this.bufferedCount += weight(event);
    if (!this.paused && this.bufferedCount > this.highWaterMark) {
      // Called inside zongji's packet handler, so no further packet is decoded before the consumer
      // drains: the buffer exceeds the mark by at most this event's rows. (zongji pauses the same
      // connection itself only around an INFORMATION_SCHEMA lookup, during which no event arrives
      // here, so the two never overlap.)
      this.paused = true;
      this.zongji?.connection?.pause();
    }
  }

  /** The first error ends the stream: buffered events are still delivered, then next() rejects. */
  private fail(e: unknown): void {
    if (this.failure !== undefined || this.stopped) return;
    this.failure = this.toFcDtsError(e);
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
    this.stopping ??= this.stopZongji();
  }

  private async start(): Promise<void> {
    const { endpoint: ep, start, serverId } = this.options;
    // A plain session first: it reports a wrong password or an unreachable host in the words the rest
    // of fc-dts uses, and reads the server's own collation table (zongji maps collation ids with
    // MySQL's numbering; MariaDB's differ above 255).
    const conn = await connect('source', ep);
    try {
      const [rows] = await conn.query<RowDataPacket[]>('SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS');
      this.collations = new Map(rows.map((r) => [Number(r.ID), String(r.CHARACTER_SET_NAME)]));
    } catch (e) {
      throw connectionError('source', ep, e);
    } finally {
      await conn.end().catch(() => {});
    }
    await patchZongji();
    if (this.stopped) return;

    const z = new ZongJi({
      host: ep.host,
      port: ep.port,
      user: ep.user,
      password: ep.password,
      ...(ep.ssl ? { ssl: {} } : {}),
      connectTimeout: 10_000,
      charset: 'utf8mb4_general_ci',
      // zongji renders row values by these (lib/common.js readMysqlValue): temporals as the server
      // prints them, TIMESTAMP in UTC, DECIMAL and JSON as exact text.
      dateStrings: true,
      timezone: 'Z',
      decimalNumbers: false,
      jsonStrings: true,
    });
    this.zongji = z;
    const history = this.options.schemaHistory;
    if (history) setDefinitionSource(z, (e) => this.historyColumns(history, e));
    z.on('binlog', (e) => {
      if (this.stopped || this.failure !== undefined) return;
      try {
        this.onEvent(e);
      } catch (err) {
        this.fail(err);
      }
    });
    z.on('error', (e) => this.fail(e));
    z.start({
      serverId,
      ...('gtid' in start ? { gtidSet: start.gtid } : { filename: start.file, position: start.offset }),
      includeEvents: EVENTS,
      ...(this.databases ? { includeSchema: Object.fromEntries([...this.databases].map((d) => [d, true as const])) } : {}),
    });
    // start() opened the dump connection synchronously; this is queued ahead of zongji's own setup
    // queries and the dump command, so the dump thread sees both session settings.
    const heartbeatNs = BigInt(Math.round((this.options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS) * 1000)) * 1_000_000n;
    z.connection?.query(`SET @master_heartbeat_period = ${heartbeatNs}, @@session.net_write_timeout = ${DUMP_WRITE_TIMEOUT_SECONDS}`, (err: unknown) => {
      if (err) this.fail(err);
    });
  }

  private onEvent(e: AnyBinlogEvent): void {
    if (is(e, 'Rotate')) {
      // The artificial rotate at dump start names the file being read; a real one moves to the next file.
      this.file = e.binlogName;
      return;
    }
    if (is(e, 'Heartbeat')) {
      // Sent only while the dump thread waits at the end of the binlog, so between transactions.
      if (!this.inTransaction && e.nextPosition > 0) {
        this.file = e.binlogName || this.file;
        this.push({ kind: 'heartbeat', ts: Math.floor(Date.now() / 1000), next: { file: e.binlogName, offset: e.nextPosition } });
      }
      return;
    }
    const file = this.file;
    if (file === undefined) throw new BinlogDecodeError(`binlog event ${e.getTypeName()} arrived before the server named the binlog file`, 'report this as a bug');
    const offset = this.startOffset(e);
    const ts = Math.floor(e.timestamp / 1000);

    if (is(e, 'MariadbGtid')) {
      // Replaces BEGIN (MariaDB writes no BEGIN query when the reader announces GTID capability); a
      // standalone group (a DDL) is one statement with no commit event of its own.
      this.txStart = { file, offset };
      this.inTransaction = !e.standalone;
      return;
    }
    if (is(e, 'Gtid') || is(e, 'AnonymousGtid')) {
      // MySQL: the GTID event precedes BEGIN (or a DDL), and is where the transaction starts.
      this.txStart = { file, offset };
      this.inTransaction = false;
      return;
    }
    if (is(e, 'Xid') || is(e, 'XaPrepare')) {
      this.commit(file, offset, 0, e.nextPosition, ts, e.gtid);
      return;
    }
    if (is(e, 'Query')) {
      const kind = classifyStatement(e.query);
      if (kind === 'begin') {
        this.inTransaction = true;
        this.txStart ??= { file, offset };
      } else if (kind === 'end') {
        this.commit(file, offset, 0, e.nextPosition, ts, e.gtid);
      } else if (kind === 'statement') {
        const txStart = (this.txStart ??= { file, offset });
        // Before any later TABLE_MAP is decoded: zongji emits events one at a time, in binlog order.
        this.options.schemaHistory?.apply(e.query, e.schema, { file: this.fileNumber(file), offset, row: 0 });
        if (this.wantsStatement(e.schema, e.query)) {
          this.push({ kind: 'query', pos: { file: this.fileNumber(file), offset, row: 0 }, ts, database: e.schema, sql: e.query, txStart, ...(e.gtid ? { gtid: e.gtid } : {}) });
        }
        if (!this.inTransaction) this.commit(file, offset, 1, e.nextPosition, ts, e.gtid);
      }
      return;
    }
    if (is(e, 'TableMap')) {
      // Rows read from a start inside a transaction have no GTID/BEGIN before them; the first TableMap
      // is then the earliest safe restart point.
      this.txStart ??= { file, offset };
      this.registerTable(e);
      return;
    }
    if (is(e, 'WriteRows') || is(e, 'DeleteRows') || is(e, 'UpdateRows')) {
      const table = this.tables.get(e.tableId);
      if (!table) throw new BinlogDecodeError(`row event for table id ${e.tableId} without its table map`, 'report this as a bug');
      checkFullImage(e as unknown as RowsInternals, table);
      // The images are CellValue rows already: zongji decoded them through the table's RowDecoder (patchZongjiRows).
      let op: 'insert' | 'update' | 'delete';
      let rows: Array<{ before?: RowImage; after?: RowImage }>;
      if (is(e, 'UpdateRows')) {
        op = 'update';
        rows = e.rows as unknown as Array<{ before: RowImage; after: RowImage }>;
      } else if (is(e, 'WriteRows')) {
        op = 'insert';
        rows = (e.rows as unknown as RowImage[]).map((r) => ({ after: r }));
      } else {
        op = 'delete';
        rows = (e.rows as unknown as RowImage[]).map((r) => ({ before: r }));
      }
      this.push({
        kind: 'rows', pos: { file: this.fileNumber(file), offset, row: 0 }, ts, database: table.database, table: table.table, op, rows,
        columns: table.columns, columnTypes: table.columnTypes, txStart: this.txStart ?? { file, offset }, ...(e.gtid ? { gtid: e.gtid } : {}),
      });
    }
  }

  /** The numeric suffix of `file`, parsed once per file rather than per event. */
  private fileNumber(file: string): number {
    if (file !== this.numberedFile) {
      this.numberedFile = file;
      this.numberOfFile = binlogFileNumber(file);
    }
    return this.numberOfFile;
  }

  private commit(file: string, offset: number, row: number, end: number, ts: number, gtid: string | undefined): void {
    this.push({ kind: 'commit', pos: { file: this.fileNumber(file), offset, row }, ts, next: { file, offset: end }, ...(gtid ? { gtid } : {}) });
    this.txStart = undefined;
    this.inTransaction = false;
  }

  /** Without a database list every statement; otherwise those whose default database is listed or whose text names one. */
  private wantsStatement(schema: string, sql: string): boolean {
    if (!this.databases || this.databases.has(schema)) return true;
    const lower = sql.toLowerCase();
    for (const db of this.databases) if (lower.includes(db.toLowerCase())) return true;
    return false;
  }

  private startOffset(e: AnyBinlogEvent): number {
    if (!(e.nextPosition > 0)) {
      throw new BinlogDecodeError(
        `binlog event ${e.getTypeName()} in ${this.file ?? '?'} carries no end position, so its position cannot be known`,
        'the source writes binlog events without positions; fc-dts supports MySQL 5.7+/MariaDB 10.5+ binlogs',
      );
    }
    const headerLength = 19 + (this.zongji?.useChecksum ? 4 : 0);
    return e.nextPosition - e.size - headerLength;
  }

  /**
   * Builds the column list and encoders of a table from its TableMap (written before the table's row
   * events in every transaction, with binlog_row_metadata=FULL carrying the names and types in force
   * when the rows were written), and adjusts zongji's cached columns before the rows are decoded.
   */
  private registerTable(e: TableMapEvent): void {
    const historyError = definitionErrorOf(e);
    if (historyError) throw historyError;
    if (!e.hasSelfDescribingMetadata()) throw noColumnNamesError(`${e.schemaName}.${e.tableName}`, 'fc-dts keeps no schema history for this task');
    const entry = this.zongji?.tableMap[e.tableId];
    const zcolumns: ColumnInfo[] | undefined = entry?.columns;
    if (!zcolumns) throw new BinlogDecodeError(`no column metadata for ${e.schemaName}.${e.tableName}`, 'report this as a bug');
    // The same column list (already adjusted below) as the last TableMap of this table id: nothing changed.
    if (this.tables.get(e.tableId)?.zcolumns === zcolumns && rowDecodersOf(this.zongji!).has(e.tableId)) return;
    const charsetIds = (e as unknown as TableMapInternals)._columnCharsetIds;
    const columns: BinlogColumn[] = zcolumns.map((c, i) => {
      const type = c.type;
      let charset = c.charset;
      if (TEXT_TYPES.has(type)) {
        const id = charsetIds?.[i];
        if (id !== undefined && id !== BINARY_COLLATION_ID) charset = this.collations.get(id) ?? charset;
        // zongji decodes text with iconv-lite by this name (decodeTextColumn): the server's own charset,
        // except latin1, delivered as a byte string ('binary') for cell-encoder to map exactly.
        c.charset = charset === 'latin1' ? 'binary' : charset;
      } else if (type === ColumnType.GEOMETRY) {
        // Same wire layout as a BLOB (length_size metadata + bytes); read it as one to keep the WKB.
        c.type = ColumnType.BLOB;
        c.charset = null;
      }
      // Signedness and widths are not in `type` (BIGINT and BIGINT UNSIGNED share a binlog type).
      return { name: c.name, type, charset, columnType: entry!.columnSchemas[i]?.COLUMN_TYPE ?? '' };
    });
    // Every transaction repeats its tables' TableMap events: reuse the decoder while the definition is the same.
    const known = this.tables.get(e.tableId);
    if (known && known.table === e.tableName && known.database === e.schemaName && sameColumns(known.definition, columns)) {
      this.tables.set(e.tableId, { ...known, zcolumns });
      return;
    }
    this.tables.set(e.tableId, {
      database: e.schemaName, table: e.tableName, columns: columns.map((c) => c.name), columnTypes: columns.map((c) => c.columnType), definition: columns, zcolumns,
    });
    const z = this.zongji!;
    const decoders = columns.map((col, i) => this.valueDecoder(col, zcolumns[i]!, entry!, i, z));
    rowDecodersOf(z).set(e.tableId, rowDecoder(columns.map((c) => c.name), decoders));
  }

  /** zongji's column schemas for a TABLE_MAP without names (called by zongji-patches.ts inside zongji's event handler, so it never throws). */
  private historyColumns(history: SchemaHistory, e: TableMapEvent): ColumnSchema[] | FcDtsError {
    try {
      const file = this.file;
      if (file === undefined) return new BinlogDecodeError(`TABLE_MAP of ${e.schemaName}.${e.tableName} arrived before the server named the binlog file`, 'report this as a bug');
      return historyColumnSchemas(history, e, { file: this.fileNumber(file), offset: this.startOffset(e), row: 0 });
    } catch (err) {
      return err instanceof FcDtsError ? err : new BinlogDecodeError(`cannot decode the TABLE_MAP of ${e.schemaName}.${e.tableName}: ${String(err)}`, 'report this as a bug', { cause: err });
    }
  }

  /** Ours for the common types (row-decoder.ts); zongji's decoder and cell-encoder.ts for the rest. */
  private valueDecoder(col: BinlogColumn, zcol: ColumnInfo, entry: TableMapEntry, i: number, z: ZongJi): ValueDecoder {
    const schema: ColumnSchema | undefined = entry.columnSchemas[i];
    const { columnType } = col;
    const fast = fastDecoder({
      name: col.name,
      type: zcol.type,
      charset: zcol.type === ColumnType.BLOB && zcol.charset === null ? null : col.charset,
      metadata: zcol.metadata as Record<string, number | undefined>,
      unsigned: schema?.UNSIGNED ?? columnType.includes('unsigned'),
      columnType,
    });
    if (fast) return fast;
    const encode = cellEncoder(col);
    const read = zongjiValueReader();
    return (p) => encode(read(p, zcol, schema, entry, z));
  }

  private toFcDtsError(e: unknown): unknown {
    if (e instanceof FcDtsError) return e;
    const ep = this.options.endpoint;
    const err = e as { errno?: number; code?: string; sqlMessage?: string; message?: string };
    const serverMessage = err.sqlMessage ?? err.message ?? String(e);
    const start = this.options.start;
    const where = 'gtid' in start ? `GTID ${start.gtid}` : `${start.file}:${start.offset}`;
    // 1236 ER_MASTER_FATAL_ERROR_READING_BINLOG wraps every refusal of the dump request; 1945/1955 are
    // MariaDB's "GTID not in the binlog" and "binlog hole" for a GTID start.
    if (err.errno === 1236 || err.errno === 1945 || err.errno === 1955) {
      if (err.errno !== 1236 || /could not find|purged|not in the master's binlog|no longer|does not exist|not found/i.test(serverMessage)) {
        return new BinlogPurgedError(where, serverMessage, { cause: e });
      }
      return new FcDtsError('STATE_INVALID', `the source cannot stream its binlog from ${where}: ${serverMessage}`, 'delete the state directory and run again (it starts with a new full load)', { cause: e });
    }
    if (err.errno === 1227 || err.code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR') {
      return new FcDtsError('PRIVILEGE_MISSING', `source ${ep.host}:${ep.port}: "${ep.user}" may not read the binlog (${serverMessage})`, `GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO the ${ep.user} account on the source`, { cause: e });
    }
    if (this.zongji?.ready && isConnectionLost(e)) {
      return new FcDtsError('CONNECTION_FAILED', `source ${ep.host}:${ep.port}: the binlog connection was lost (${err.code ?? serverMessage})`, 'run again: the task resumes from its last checkpoint; check the source server and the network if it keeps happening', { cause: e });
    }
    if (err.code !== undefined) return connectionError('source', ep, e);
    return new BinlogDecodeError(`cannot decode the source binlog: ${serverMessage}`, 'report this with the binlog file and position', { cause: e });
  }
}

function sameColumns(a: readonly BinlogColumn[], b: readonly BinlogColumn[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name || x.type !== y.type || x.charset !== y.charset || x.columnType !== y.columnType) return false;
  }
  return true;
}

function weight(e: SourceEvent): number {
  return e.kind === 'rows' ? e.rows.length : 1;
}

/** BEGIN / the end of a transaction / transaction control to ignore / a statement to report. */
function classifyStatement(sql: string): 'begin' | 'end' | 'ignore' | 'statement' {
  const s = sql.trimStart().slice(0, 40).toUpperCase();
  if (s === 'BEGIN' || s.startsWith('XA START') || s.startsWith('XA BEGIN')) return 'begin';
  if (/^(SAVEPOINT|ROLLBACK\s+(WORK\s+)?TO|RELEASE\s+SAVEPOINT|XA\s+END)\b/.test(s)) return 'ignore';
  // COMMIT ends a transaction of non-transactional tables (which have no XID); ROLLBACK one that
  // changed them and was rolled back (their changes stay, and are in the row events before it).
  if (/^(COMMIT|ROLLBACK|XA\s+COMMIT|XA\s+ROLLBACK)\b/.test(s)) return 'end';
  return 'statement';
}

/**
 * binlog_row_image=FULL logs every column; MINIMAL/NOBLOB leave some out and zongji would report them
 * as NULL, indistinguishable from a real NULL.
 */
function checkFullImage(e: RowsInternals, table: TableInfo): void {
  for (const bitmap of [e.columns_present_bitmap, e.columns_present_bitmap2]) {
    if (bitmap && !allBitsSet(bitmap, e.numberOfColumns)) {
      throw new FcDtsError(
        'PRECHECK_FAILED',
        `the source binlog has a partial row image for ${table.database}.${table.table} (binlog_row_image is not FULL), so unchanged columns cannot be told from NULL`,
        'run SET GLOBAL binlog_row_image = FULL on the source (and in its configuration file), then delete the state directory and run again',
      );
    }
  }
}

function allBitsSet(bitmap: Buffer, n: number): boolean {
  for (let i = 0; i < n >> 3; i++) if (bitmap[i] !== 0xff) return false;
  const rest = n & 7;
  return rest === 0 || ((bitmap[n >> 3] ?? 0) & ((1 << rest) - 1)) === (1 << rest) - 1;
}
