/**
 * A MySQL-protocol server on 127.0.0.1 that serves binlog files over replication (COM_BINLOG_DUMP,
 * COM_BINLOG_DUMP_GTID), so fc-dts's real BinlogReader reads bytes a real MySQL or
 * MariaDB server wrote. It answers the queries a binlog client makes around the dump
 * (binlog-replay/replay-queries.ts) and streams as a dump thread does (binlog-replay/dump-session.ts).
 */
import { EventEmitter, once } from 'node:events';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import mysql from 'mysql2';
import { COM_BINLOG_DUMP, COM_BINLOG_DUMP_GTID, COM_REGISTER_SLAVE, parseBinlogDump, parseBinlogDumpGtid, type DumpRequest } from './binlog-replay/dump-request.ts';
import { DumpError, runDump, type BinlogIndex } from './binlog-replay/dump-session.ts';
import { answerQuery, type Answer, type ServerFacts, type SessionVariables } from './binlog-replay/replay-queries.ts';
import { ServedBinlog } from './binlog-replay/served-binlog.ts';
import { handshake, RawPacket, writeEof, writeError, writeOk, writeRows, type Mysql2ServerConnection } from './binlog-replay/server-connection.ts';

export interface ReplayFile {
  /** the name the file is served under (SHOW BINARY LOGS, the ROTATE events) */
  readonly name: string;
  readonly bytes: Buffer;
}

export interface BinlogReplayServerOptions {
  /** in binlog order; more can be added while serving (addFile) */
  readonly files: readonly ReplayFile[];
  /** what SELECT VERSION() answers; default the server version in the first file's FORMAT_DESCRIPTION_EVENT */
  readonly serverVersion?: string;
  readonly user?: string;
  readonly password?: string;
  /** @@server_id, and the server id of made-up events; default 1 */
  readonly serverId?: number;
  /** @@gtid_executed; default the first file's Previous_gtids and every GTID in the files */
  readonly gtidExecuted?: string;
  /** @@server_uuid (MySQL); default none, as MariaDB (the variable is unknown) */
  readonly serverUuid?: string;
}

const ER_MASTER_FATAL_ERROR_READING_BINLOG = 1236;
const ER_UNKNOWN_COM_ERROR = 1047;
const COM_QUERY = 0x03;
const COM_PROCESS_KILL = 0x0c;
const COM_STMT_PREPARE = 0x16;
/** Commands mysql2's dispatcher answers itself (QUIT, INIT_DB, PING). */
const ANSWERED_BY_MYSQL2 = new Set([0x01, 0x02, 0x0e]);

interface Session {
  readonly id: number;
  readonly conn: Mysql2ServerConnection;
  readonly variables: SessionVariables;
  /** aborts the dump when the connection closes */
  readonly closed: AbortController;
  dumping: boolean;
}

/** The internals of mysql2's Server used here (lib/server.js wraps a net.Server it does not expose in its typings). */
interface Mysql2Server {
  readonly _server: NetServer;
  on(event: 'connection', listener: (conn: Mysql2ServerConnection) => void): void;
}

export class BinlogReplayServer implements BinlogIndex {
  readonly host = '127.0.0.1';
  readonly serverId: number;
  readonly user: string;
  readonly password: string;
  /** Every query received, in order (for tests that check what a client asked). */
  readonly queries: string[] = [];
  /** Queries and commands the server had no answer to (each also logged to stderr). */
  readonly unanswered: string[] = [];

  private readonly served: ServedBinlog[];
  private readonly version: string;
  private readonly gtidExecutedOption: string | undefined;
  private readonly serverUuid: string | undefined;
  private readonly sessions = new Map<number, Session>();
  private readonly grown = new EventEmitter();
  private nextConnectionId = 1;
  private server: Mysql2Server | undefined;

  constructor(options: BinlogReplayServerOptions) {
    if (options.files.length === 0) throw new Error('the binlog replay server needs at least one file to serve');
    this.served = options.files.map((f) => new ServedBinlog(f.name, f.bytes));
    this.version = options.serverVersion ?? serverVersionOf(this.served[0]!);
    this.user = options.user ?? 'replay';
    this.password = options.password ?? 'replay-password';
    this.serverId = options.serverId ?? 1;
    this.gtidExecutedOption = options.gtidExecuted;
    this.serverUuid = options.serverUuid;
  }

  /** Starts a server listening on an ephemeral port of 127.0.0.1. */
  static async start(options: BinlogReplayServerOptions): Promise<BinlogReplayServer> {
    const replay = new BinlogReplayServer(options);
    await replay.listen();
    return replay;
  }

  get port(): number {
    return (this.server!._server.address() as AddressInfo).port;
  }

  get files(): readonly ServedBinlog[] {
    return this.served;
  }

  /** Adds the next binlog file (as a server does when it rotates); waiting dumps go on into it. */
  addFile(file: ReplayFile): void {
    this.served.push(new ServedBinlog(file.name, file.bytes));
    this.grown.emit('changed');
  }

  changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.grown.off('changed', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.grown.on('changed', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** The ids (as KILL takes them) of the connections streaming a dump now. */
  dumpConnectionIds(): number[] {
    return [...this.sessions.values()].filter((s) => s.dumping).map((s) => s.id);
  }

  /** Cuts every open client connection, as a network failure or a server crash would. */
  dropConnections(): void {
    for (const s of this.sessions.values()) s.conn.stream.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    const net = this.server?._server;
    if (net?.listening) await new Promise<void>((resolve) => net.close(() => resolve()));
  }

  private async listen(): Promise<void> {
    const server = mysql.createServer(() => {}) as unknown as Mysql2Server;
    server.on('connection', (conn) => this.accept(conn));
    this.server = server;
    server._server.listen(0, this.host);
    await once(server._server, 'listening');
  }

  private accept(conn: Mysql2ServerConnection): void {
    const session: Session = { id: this.nextConnectionId++, conn, variables: new Map(), closed: new AbortController(), dumping: false };
    this.sessions.set(session.id, session);
    const socket: Socket = conn.stream;
    socket.on('close', () => {
      this.sessions.delete(session.id);
      session.closed.abort();
    });
    conn.on('error', () => {}); // a client that goes away mid-command (mysql2 would throw it otherwise)
    // Answered from 'packet' (which has the command byte): mysql2 routes a COM_QUERY starting with SET to
    // 'stmt_prepare', and answers itself when these have no listener.
    for (const event of ['query', 'stmt_prepare', 'stmt_execute'] as const) conn.on(event, () => {});
    conn.on('packet', (packet, _known, command) => this.onCommand(session, command, packet.buffer.subarray(packet.start + 5, packet.end)));
    handshake(conn, this.version, session.id, { user: this.user, password: this.password });
  }

  private onCommand(session: Session, command: number, payload: Buffer): void {
    const { conn } = session;
    if (ANSWERED_BY_MYSQL2.has(command)) {
      conn.sequenceId = 0;
    } else if (command === COM_QUERY) {
      this.onQuery(session, payload.toString('utf8'));
    } else if (command === COM_BINLOG_DUMP || command === COM_BINLOG_DUMP_GTID) {
      this.startDump(session, () => (command === COM_BINLOG_DUMP ? parseBinlogDump(payload) : parseBinlogDumpGtid(payload)));
    } else if (command === COM_REGISTER_SLAVE) {
      writeOk(conn);
    } else if (command === COM_PROCESS_KILL) {
      this.answer(session, answerQuery(`KILL ${payload.readUInt32LE(0)}`, this.facts(), session.variables, new Set(this.sessions.keys())));
    } else {
      const what = command === COM_STMT_PREPARE ? `COM_STMT_PREPARE ${payload.toString('utf8')}` : `command 0x${command.toString(16)}`;
      this.logUnanswered(what);
      writeError(conn, ER_UNKNOWN_COM_ERROR, '08S01', `the binlog replay server does not serve ${what}`);
    }
  }

  private onQuery(session: Session, sql: string): void {
    this.queries.push(sql);
    const answer = answerQuery(sql, this.facts(), session.variables, new Set(this.sessions.keys()));
    if (answer.kind === 'error' && answer.unanswered) this.logUnanswered(sql);
    this.answer(session, answer);
  }

  private answer(session: Session, answer: Answer): void {
    switch (answer.kind) {
      case 'rows': return writeRows(session.conn, answer.columns, answer.rows);
      case 'ok': return writeOk(session.conn);
      case 'error': return writeError(session.conn, answer.errno, answer.sqlState, answer.message);
      case 'kill':
        // KILL [CONNECTION] closes the victim's socket; the killer gets OK.
        this.sessions.get(answer.connectionId)?.conn.stream.destroy();
        return writeOk(session.conn);
    }
  }

  private startDump(session: Session, parse: () => DumpRequest): void {
    const { conn, variables } = session;
    let request: DumpRequest;
    try {
      request = parse();
    } catch (e) {
      writeError(conn, ER_MASTER_FATAL_ERROR_READING_BINLOG, 'HY000', (e as Error).message);
      return;
    }
    if (variables.has('slave_connect_state')) {
      this.logUnanswered('a MariaDB GTID dump (@slave_connect_state)');
      writeError(conn, ER_MASTER_FATAL_ERROR_READING_BINLOG, 'HY000', 'the binlog replay server does not serve MariaDB GTID positions');
      return;
    }
    const checksum = variables.get('master_binlog_checksum')?.toUpperCase();
    const settings = {
      clientChecksum: checksum === 'CRC32' || checksum === 'NONE' ? checksum : undefined,
      heartbeatNs: BigInt(variables.get('master_heartbeat_period') ?? '0'),
    } as const;
    const output = { send: (event: Buffer) => sendEvent(conn, event) };
    session.dumping = true;
    runDump(request, settings, this, output, session.closed.signal).then(
      () => {
        session.dumping = false;
        if (!session.closed.signal.aborted) writeEof(conn);
      },
      (e: unknown) => {
        session.dumping = false;
        if (session.closed.signal.aborted) return;
        if (e instanceof DumpError) writeError(conn, ER_MASTER_FATAL_ERROR_READING_BINLOG, 'HY000', e.message);
        else conn.stream.destroy(e as Error);
      },
    );
  }

  private facts(): ServerFacts {
    const checksum = this.served.at(-1)!.checksum;
    return {
      version: this.version,
      serverId: this.serverId,
      ...(this.serverUuid ? { serverUuid: this.serverUuid } : {}),
      checksum,
      gtidExecuted: this.gtidExecutedOption ?? this.served.reduce((set, f) => set.union(f.gtids()), this.served[0]!.previousGtids).toString(),
      files: this.served.map((f) => ({ name: f.name, size: f.size })),
    };
  }

  private logUnanswered(what: string): void {
    this.unanswered.push(what);
    console.error(`binlog replay server: no answer to ${what}`);
  }
}

/** One event per packet, after an OK byte (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication.html). */
async function sendEvent(conn: Mysql2ServerConnection, event: Buffer): Promise<void> {
  conn.writePacket(new RawPacket(Buffer.concat([Buffer.from([0x00]), event])));
  const socket = conn.stream;
  if (socket.writableNeedDrain && !socket.destroyed) {
    await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
  }
}

/** The server_version field of a FORMAT_DESCRIPTION_EVENT: 50 bytes after binlog_version (2), NUL-padded. */
function serverVersionOf(file: ServedBinlog): string {
  const fde = file.event(file.events[0]!);
  return fde.subarray(19 + 2, 19 + 52).toString('latin1').replace(/\0.*$/s, '');
}
