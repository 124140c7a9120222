/**
 * Reads a MySQL/MariaDB binlog as a replica would (dump-connection.ts) and yields the changes in
 * binlog order as an async iterable: row images with lossless values, DDL statements, transaction
 * ends with the position reading can resume from, and idle heartbeats. The event bytes are parsed by
 * fc-dts's own parser (events/), the same one `fc-dts decode-binlog` reads files with: per-file
 * checksums from each FORMAT_DESCRIPTION_EVENT, compressed transactions, MySQL binary JSON and partial
 * JSON updates; source-event-assembler.ts turns them into SourceEvents.
 *
 * Memory is bounded: when more than `highWaterMark` rows (other events count 1) wait unconsumed, the
 * dump connection is paused (the socket stops being read and packets already received are parked
 * undecoded), and resumed once the consumer has taken half of them.
 */
import type { CellValue } from '../change/change-event.ts';
import type { BinlogPosition, BinlogStart, ResumePoint } from '../change/position.ts';
import { binlogSequence } from '../change/position.ts';
import { FcDtsError } from '../errors.ts';
import { connectionError, isConnectionLost } from '../mysql/connection.ts';
import type { MysqlEndpoint } from '../task/task.ts';
import type { SchemaHistory } from '../schema-history/schema-history.ts';
import { DumpConnection, type SourceFacts } from './dump-connection.ts';
import { BinlogEventParser } from './events/event-parser.ts';
import { EventType } from './events/event-type.ts';
import { mysqlJsonToText } from './mysql-json.ts';
import { SourceEventAssembler } from './source-event-assembler.ts';

export interface BinlogReaderOptions {
  readonly endpoint: MysqlEndpoint;
  /** Replica server id: unique among everything reading this source's binlog (the server drops an older dump with the same id). */
  readonly serverId: number;
  readonly start: BinlogStart;
  /** The source epoch (position.ts EPOCH_STRIDE): the number of switchovers the task has followed. Default 0. */
  readonly epoch?: number;
  /** only row/DDL events of these databases are decoded (others are skipped cheaply) */
  readonly databases?: readonly string[];
  /** max events buffered before the stream is paused (backpressure); rows of a row event each count, default 10,000 */
  readonly highWaterMark?: number;
  /** bytes of binlog events buffered before the stream is paused, default 16 MiB (one larger event is always let through) */
  readonly highWaterBytes?: number;
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
const DEFAULT_HIGH_WATER_BYTES = 16 << 20;
const DEFAULT_HEARTBEAT_SECONDS = 10;
/** LOG_EVENT_ARTIFICIAL_F: an event the dump thread made up (the ROTATE naming the first file), not read from a file. */
const ARTIFICIAL_EVENT = 0x20;
/** ROTATE body: the 8-byte position, then the file name. */
const ROTATE_NAME_AT = 19 + 8;

type Waiter = { resolve: (r: IteratorResult<SourceEvent>) => void; reject: (e: unknown) => void };

export class BinlogReader implements AsyncIterable<SourceEvent> {
  private readonly options: BinlogReaderOptions;
  private readonly highWaterMark: number;
  private readonly lowWaterMark: number;
  private readonly highWaterBytes: number;
  private readonly databases: ReadonlySet<string> | undefined;

  private dump: DumpConnection | undefined;
  private parser: BinlogEventParser | undefined;
  private facts: SourceFacts | undefined;
  private readonly assembler: SourceEventAssembler;
  private started = false;
  private streaming = false;
  private stopped = false;
  private failure: unknown;

  /** Events not yet taken by the consumer: queue[head..]. */
  private queue: SourceEvent[] = [];
  private head = 0;
  private bufferedCount = 0;
  /** The binlog bytes behind the buffered events; `sizes[i]` is queue[i]'s share. */
  private bufferedBytes = 0;
  /** Bytes of the event the consumer holds (release()). */
  private inHand = 0;
  private sizes: number[] = [];
  /** Bytes of the binlog event being parsed: what the events it yields weigh. */
  private eventBytes = 0;
  private paused = false;
  private readonly waiters: Waiter[] = [];

  constructor(options: BinlogReaderOptions) {
    this.options = options;
    this.highWaterMark = Math.max(1, options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK);
    this.lowWaterMark = Math.floor(this.highWaterMark / 2);
    this.highWaterBytes = Math.max(1, options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES);
    this.databases = options.databases ? new Set(options.databases) : undefined;
    this.assembler = new SourceEventAssembler({
      ...(options.schemaHistory ? { schemaHistory: options.schemaHistory } : {}),
      wantsStatement: (schema, sql) => this.wantsStatement(schema, sql),
      emit: (e) => this.push(e),
      decodeError: (message, fix) => new BinlogDecodeError(message, fix),
    });
  }

  /** the binlog base name, e.g. 'mariadb-bin', known after the first event */
  get baseName(): string | undefined {
    return this.assembler.fileName?.replace(/\.\d+$/, '');
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
    this.sizes = [];
    this.head = 0;
    this.bufferedCount = 0;
    this.bufferedBytes = 0;
    this.inHand = 0;
    for (const w of this.waiters.splice(0)) w.resolve({ done: true, value: undefined });
    this.dump?.close();
    return Promise.resolve();
  }

  private next(): Promise<IteratorResult<SourceEvent>> {
    if (!this.started) {
      this.started = true;
      this.start().catch((e: unknown) => this.fail(e));
    }
    this.release();
    if (this.head < this.queue.length) {
      const value = this.queue[this.head]!;
      this.inHand = this.sizes[this.head]!;
      this.queue[this.head++] = undefined as unknown as SourceEvent; // let it be collected
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.sizes = this.sizes.slice(this.head);
        this.head = 0;
      }
      this.bufferedCount -= weight(value);
      return Promise.resolve({ done: false, value });
    }
    if (this.stopped) return Promise.resolve({ done: true, value: undefined });
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private push(event: SourceEvent): void {
    // The events of one compressed transaction share its bytes: only the first carries them.
    const size = this.eventBytes;
    this.eventBytes = 0;
    this.bufferedBytes += size;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.inHand = size;
      waiter.resolve({ done: false, value: event });
    } else {
      this.queue.push(event);
      this.sizes.push(size);
      this.bufferedCount += weight(event);
    }
    if (!this.paused && (this.bufferedCount > this.highWaterMark || this.bufferedBytes > this.highWaterBytes)) {
      // Called inside the dump's packet handler, so no further packet is parsed before the consumer
      // drains: the buffer exceeds the marks by at most one event.
      this.paused = true;
      this.dump?.pause();
    }
  }

  /**
   * The event handed out last stays the consumer's until it asks for the next one, and its bytes count
   * until then: while a large event is being applied, the next is not read into memory beside it.
   */
  private release(): void {
    this.bufferedBytes -= this.inHand;
    this.inHand = 0;
    if (this.paused && this.bufferedCount <= this.lowWaterMark && this.bufferedBytes <= this.highWaterBytes / 2) {
      this.paused = false;
      // Replays the parked packets synchronously (they may pause again), then reads the socket.
      this.dump?.resume();
    }
  }

  /** The first error ends the stream: buffered events are still delivered, then next() rejects. */
  private fail(e: unknown): void {
    if (this.failure !== undefined || this.stopped) return;
    this.failure = this.toFcDtsError(e);
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
    this.dump?.close();
  }

  private async start(): Promise<void> {
    const { endpoint, start, serverId } = this.options;
    const dump = await DumpConnection.open(
      endpoint,
      { serverId, from: 'gtid' in start ? { gtid: start.gtid } : { file: start.file, offset: start.offset }, heartbeatSeconds: this.options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS },
      (facts) => {
        this.facts = facts;
        this.parser = new BinlogEventParser({
          source: `source ${endpoint.host}:${endpoint.port}`,
          jsonText: mysqlJsonToText,
          charsetOf: (id) => facts.charsets.get(id),
          ...(this.databases ? { wantsRowsOf: (db: string) => this.databases!.has(db) } : {}),
        });
        return {
          event: (bytes) => this.onBytes(bytes),
          error: (e) => this.fail(e),
        };
      },
    );
    this.dump = dump;
    this.streaming = true;
    if (this.stopped || this.failure !== undefined) dump.close();
  }

  private onBytes(bytes: Buffer): void {
    if (this.stopped || this.failure !== undefined) return;
    try {
      this.onEvent(bytes);
    } catch (err) {
      this.fail(err);
    }
  }

  private onEvent(bytes: Buffer): void {
    const parser = this.parser!;
    this.eventBytes = bytes.length;
    const type = bytes[4];
    const flags = bytes.readUInt16LE(17);
    const end = bytes.readUInt32LE(13);
    if (type === EventType.ROTATE && ((flags & ARTIFICIAL_EVENT) !== 0 || !parser.formatDescription)) {
      // Made up by the dump thread, with the checksum the session announced (not a file's).
      const trailer = this.facts!.announcedChecksum === 'crc32' ? 4 : 0;
      this.enterFile(bytes.toString('utf8', ROTATE_NAME_AT, bytes.length - trailer));
      return;
    }
    // An artificial FORMAT_DESCRIPTION_EVENT (a dump starting past offset 4) has end position 0.
    const offset = end > 0 ? end - bytes.length : 0;
    const event = parser.parse(bytes, offset);
    switch (event.kind) {
      case 'rotate':
        this.enterFile(event.file);
        return;
      case 'heartbeat':
        if (event.file !== '') this.enterFile(event.file);
        this.assembler.heartbeat(end);
        return;
      case 'format_description':
      case 'previous_gtids':
        return;
    }
    if (!(end > 0)) {
      throw new BinlogDecodeError(
        `binlog event ${event.kind} in ${this.assembler.fileName ?? '?'} carries no end position, so its position cannot be known`,
        'the source writes binlog events without positions; fc-dts supports MySQL 5.7+/MariaDB 10.5+ binlogs',
      );
    }
    this.assembler.accept(event, { offset, row: 0, end });
  }

  private enterFile(name: string): void {
    if (name !== this.assembler.fileName) this.assembler.enterFile(name, binlogSequence(name, this.options.epoch ?? 0));
  }

  /** Without a database list every statement; otherwise those whose default database is listed or whose text names one. */
  private wantsStatement(schema: string, sql: string): boolean {
    if (!this.databases || this.databases.has(schema)) return true;
    const lower = sql.toLowerCase();
    for (const db of this.databases) if (lower.includes(db.toLowerCase())) return true;
    return false;
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
    if (this.streaming && isConnectionLost(e)) {
      return new FcDtsError('CONNECTION_FAILED', `source ${ep.host}:${ep.port}: the binlog connection was lost (${err.code ?? serverMessage})`, 'run again: the task resumes from its last checkpoint; check the source server and the network if it keeps happening', { cause: e });
    }
    if (err.code !== undefined) return connectionError('source', ep, e);
    return new BinlogDecodeError(`cannot decode the source binlog: ${serverMessage}`, 'report this with the binlog file and position', { cause: e });
  }
}

function weight(e: SourceEvent): number {
  return e.kind === 'rows' ? e.rows.length : 1;
}
