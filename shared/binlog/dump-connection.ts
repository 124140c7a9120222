/**
 * A replication connection: the session a replica opens to stream a source's binlog. It announces
 * what the reader understands (checksums, MariaDB GTID events, heartbeats), sends COM_BINLOG_DUMP or
 * COM_BINLOG_DUMP_GTID, and hands every event's bytes, as the server sent them, to a listener. What
 * the bytes mean is the event parser's business (events/event-parser.ts).
 *
 * Wire format: each binlog event arrives as one packet, a 0x00 byte then the whole event (header,
 * body, checksum); an EOF packet ends a non-blocking dump, an ERR packet refuses or ends it
 * (MySQL sql/rpl_binlog_sender.cc; go-mysql replication/binlogsyncer.go reads the same).
 */
import type { Connection } from 'mysql2/promise';
import type { RowDataPacket } from 'mysql2/promise';
import { FcDtsError } from '../errors.ts';
import { connect, connectionError } from '../mysql/connection.ts';
import type { MysqlEndpoint } from '../task/task.ts';
import { encodeGtidSet } from './gtid-set.ts';

export type SourceFlavor = 'mysql' | 'mariadb';

export interface DumpStart {
  /** Replica server id: unique among everything reading this source's binlog. */
  readonly serverId: number;
  /** A file and the offset of an event in it; or a GTID set (MySQL: the executed set; MariaDB: the GTID position). */
  readonly from: { readonly file: string; readonly offset: number } | { readonly gtid: string };
  /** Idle seconds after which the server sends a heartbeat; 0 turns them off. */
  readonly heartbeatSeconds: number;
}

/** What the server said about itself before the dump started. */
export interface SourceFacts {
  readonly flavor: SourceFlavor;
  /** The checksum algorithm announced for events the server makes up (the artificial ROTATE): @@GLOBAL.binlog_checksum. */
  readonly announcedChecksum: 'crc32' | 'none';
  /** Collation id → character set, as the server defines them (MariaDB numbers differ from MySQL's above 255). */
  readonly charsets: ReadonlyMap<number, string>;
}

export interface DumpListener {
  /** One whole event; `bytes` is valid only during the call unless copied. */
  event(bytes: Buffer): void;
  /** The dump ended with an error (refused, killed, connection lost). */
  error(e: unknown): void;
}

/**
 * How long the server may wait on a paused reader before it drops the dump connection
 * (net_write_timeout, default 60 s, would cut off a consumer slowed by a busy destination).
 */
const DUMP_WRITE_TIMEOUT_SECONDS = 3600;
const COM_BINLOG_DUMP = 0x12;
const COM_BINLOG_DUMP_GTID = 0x1e;
/** MariaDB slave capability 4 (MARIA_SLAVE_CAPABILITY_GTID): send GTID events instead of rewriting them as BEGIN. */
const MARIADB_GTID_CAPABILITY = 4;

/** mysql2's callback connection under the promise wrapper, as much of it as the dump uses. */
interface CoreConnection {
  addCommand(command: object): void;
  pause(): void;
  resume(): void;
  destroy(): void;
  readonly threadId: number | null;
  readonly stream: { destroy(): void };
}

export class DumpConnection {
  private constructor(
    private readonly conn: Connection,
    private readonly core: CoreConnection,
    readonly facts: SourceFacts,
  ) {}

  /** Connects, announces the session settings and starts the dump; events flow to `listener` from then on. */
  static async open(endpoint: MysqlEndpoint, start: DumpStart, listenerFor: (facts: SourceFacts) => DumpListener): Promise<DumpConnection> {
    const conn = await connect('source', endpoint, { connectTimeout: 10_000 });
    try {
      const facts = await announce(conn, start);
      const core = (conn as unknown as { connection: CoreConnection }).connection;
      const dump = new DumpCommand(dumpPacket(start, facts.flavor), listenerFor(facts));
      core.addCommand(dump);
      return new DumpConnection(conn, core, facts);
    } catch (e) {
      conn.destroy();
      throw e instanceof FcDtsError ? e : connectionError('source', endpoint, e);
    }
  }

  /** Stops reading the socket: packets already received are parked until resume(). */
  pause(): void {
    this.core.pause();
  }

  /** Replays the parked packets synchronously (a listener may pause again), then reads the socket. */
  resume(): void {
    this.core.resume();
  }

  /**
   * Closes the socket at once. (mysql2's destroy() only half-closes it, and the dump thread, which
   * never reads, would keep it open until its next write.) The dump thread notices at that write.
   */
  close(): void {
    this.conn.destroy();
    this.core.stream.destroy();
  }
}

async function announce(conn: Connection, start: DumpStart): Promise<SourceFacts> {
  const [[version]] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS version');
  const flavor: SourceFlavor = /mariadb/i.test(String(version?.version)) ? 'mariadb' : 'mysql';
  const [[checksumRow]] = await conn.query<RowDataPacket[]>('SELECT @@GLOBAL.binlog_checksum AS checksum');
  const announcedChecksum = String(checksumRow?.checksum).toUpperCase() === 'CRC32' ? 'crc32' : 'none';
  const [collations] = await conn.query<RowDataPacket[]>('SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS');
  const heartbeatNs = BigInt(Math.round(start.heartbeatSeconds * 1000)) * 1_000_000n;
  // The server then sends each file's events with that file's own checksum (its FORMAT_DESCRIPTION_EVENT says which).
  await conn.query(`SET @master_binlog_checksum = @@GLOBAL.binlog_checksum, @master_heartbeat_period = ${heartbeatNs}, @@session.net_write_timeout = ${DUMP_WRITE_TIMEOUT_SECONDS}`);
  if (flavor === 'mariadb') {
    await conn.query(`SET @mariadb_slave_capability = ${MARIADB_GTID_CAPABILITY}`);
    // MariaDB has no COM_BINLOG_DUMP_GTID: the GTID position travels in this variable (sql/sql_repl.cc).
    if ('gtid' in start.from) await conn.query('SET @slave_connect_state = ?', [start.from.gtid]);
  }
  return { flavor, announcedChecksum, charsets: new Map(collations.map((r) => [Number(r.ID), String(r.CHARACTER_SET_NAME)])) };
}

/** COM_BINLOG_DUMP (file, offset) or, for a MySQL GTID start, COM_BINLOG_DUMP_GTID (protocol docs, "COM_BINLOG_DUMP_GTID"). */
function dumpPacket(start: DumpStart, flavor: SourceFlavor): Buffer {
  const from = start.from;
  if ('gtid' in from && flavor === 'mysql') {
    const set = encodeGtidSet(from.gtid);
    const body = Buffer.alloc(1 + 2 + 4 + 4 + 8 + 4 + set.length);
    let at = body.writeUInt8(COM_BINLOG_DUMP_GTID, 0);
    at = body.writeUInt16LE(0, at); // flags
    at = body.writeUInt32LE(start.serverId, at);
    at = body.writeUInt32LE(0, at); // no file name: the server finds the first file the set does not cover
    at = Number(body.writeBigUInt64LE(4n, at));
    at = body.writeUInt32LE(set.length, at);
    set.copy(body, at);
    return body;
  }
  // MariaDB's GTID start ignores the file and offset (the position is in @slave_connect_state).
  const file = 'gtid' in from ? '' : from.file;
  const offset = 'gtid' in from ? 4 : from.offset;
  const name = Buffer.from(file, 'utf8');
  const body = Buffer.alloc(1 + 4 + 2 + 4 + name.length);
  let at = body.writeUInt8(COM_BINLOG_DUMP, 0);
  at = body.writeUInt32LE(offset, at);
  at = body.writeUInt16LE(0, at); // flags: blocking
  at = body.writeUInt32LE(start.serverId, at);
  name.copy(body, at);
  return body;
}

/** mysql2's packet as a command sees it. */
interface Packet {
  readonly buffer: Buffer;
  readonly start: number;
  readonly end: number;
  isEOF(): boolean;
  isError(): boolean;
  asError(encoding?: string): Error;
}

/** What mysql2's connection gives a command (lib/base/connection.js handlePacket, writePacket). */
interface CommandConnection {
  readonly clientEncoding: string;
  _resetSequenceId(): void;
  writePacket(packet: OutgoingPacket): void;
}

/** The dump request as mysql2 writes a packet: it fills in the 4-byte header (length, sequence id). */
class OutgoingPacket {
  readonly buffer: Buffer;

  constructor(payload: Buffer) {
    this.buffer = Buffer.alloc(4 + payload.length);
    payload.copy(this.buffer, 4);
  }

  length(): number {
    return this.buffer.length;
  }

  writeHeader(sequenceId: number): void {
    this.buffer.writeUIntLE(this.buffer.length - 4, 0, 3);
    this.buffer[3] = sequenceId;
  }
}

/**
 * The dump as a mysql2 command (the shape of its lib/commands/command.js, which the package does not
 * export): `execute` gets every packet and returns true when the command is over; `onResult` gets a
 * fatal connection error.
 */
class DumpCommand {
  private requested = false;

  constructor(
    private readonly request: Buffer,
    private readonly listener: DumpListener,
  ) {}

  execute(packet: Packet | undefined, connection: CommandConnection): boolean {
    if (!this.requested) {
      this.requested = true;
      connection._resetSequenceId();
      connection.writePacket(new OutgoingPacket(this.request));
      return false;
    }
    if (!packet) return false;
    if (packet.isError()) {
      this.listener.error(packet.asError(connection.clientEncoding));
      return true;
    }
    if (packet.isEOF()) {
      this.listener.error(new Error('the source ended the binlog dump'));
      return true;
    }
    // Byte 4 is the 0x00 OK marker; the event follows.
    this.listener.event(packet.buffer.subarray(packet.start + 5, packet.end));
    return false;
  }

  onResult(e: unknown): void {
    this.listener.error(e);
  }

  stateName(): string {
    return 'binlog-dump';
  }
}
