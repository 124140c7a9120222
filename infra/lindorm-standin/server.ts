/**
 * The MySQL-protocol side, on mysql2's server API (`mysql.createServer()`): HandshakeV10 with
 * mysql_native_password against the accounts, COM_QUERY (text protocol), COM_INIT_DB, COM_PING, COM_QUIT; every
 * other command is answered with an error (mysql2 would leave the client waiting). The API's known gaps are
 * worked around here: sequence ids are reset after every answer (mysql2 never does), `SET …`/`PREPARE …` query
 * texts arrive as 'stmt_prepare' and are told apart from COM_STMT_PREPARE by the 'packet' event that follows,
 * sockets are tracked (the server's own list stays empty) and their errors handled. Lindorm closes idle
 * connections after 10 minutes; so does this server (`idleMs`).
 */
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import mysql from 'mysql2';
import {
  nativePasswordToken,
  scrambleOf,
  SERVER_STATUS_AUTOCOMMIT,
  UTF8MB4_GENERAL_CI,
  type AuthParams,
  type Mysql2ServerConnection as ServerConnection,
} from '../lib/mysql2-server.ts';
import { errors, LindormError } from './errors.ts';
import { DropConnection } from './fault-injector.ts';
import type { StatementResult } from './result.ts';
import { newSession, type Session } from './session.ts';
import { DEFAULT_NAMESPACE } from './table-store.ts';
import { columnCountPacket, columnDefinitionPacket, eofPacket, errPacket, okPacket, rowPacket } from './wire.ts';

export interface ServerOptions {
  /** The password of an account; undefined when there is none. */
  password(user: string): string | undefined;
  readonly idleMs: number;
  /** Answers one query text (throws LindormError or DropConnection). */
  execute(sql: string, session: Session): StatementResult;
  hasNamespace(name: string): boolean;
  onAuthenticated(): void;
}

/** What the handshake calls itself; mysql2 and the mariadb client only show it. */
const SERVER_VERSION = '8.0.0-LindormTable-standin';
const COM_QUERY = 3;
const COM_STMT_PREPARE = 22;
/** LONG_PASSWORD, FOUND_ROWS, LONG_FLAG, CONNECT_WITH_DB, PROTOCOL_41, TRANSACTIONS, SECURE_CONNECTION, PLUGIN_AUTH, CONNECT_ATTRS, PLUGIN_AUTH_LENENC_CLIENT_DATA; no SSL, no DEPRECATE_EOF. */
const CAPABILITIES = 0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x80000 | 0x100000 | 0x200000;

export class LindormProtocolServer {
  private readonly server: ReturnType<typeof mysql.createServer>;
  private readonly sockets = new Set<Socket>();
  private nextConnectionId = 1;

  constructor(private readonly options: ServerOptions) {
    this.server = mysql.createServer((conn) => this.accept(conn as unknown as ServerConnection));
  }

  /** Listens on 127.0.0.1:`port` (0: a free one); resolves to the port. */
  async listen(port: number): Promise<number> {
    const net = this.netServer();
    await new Promise<void>((resolve, reject) => {
      net.once('error', reject);
      net.listen(port, '127.0.0.1', () => {
        net.off('error', reject);
        resolve();
      });
    });
    return (net.address() as AddressInfo).port;
  }

  /** Stops listening and drops every open connection. */
  close(): Promise<void> {
    const net = this.netServer();
    const closed = new Promise<void>((resolve, reject) => net.close((err) => (err ? reject(err) : resolve())));
    for (const s of this.sockets) s.destroy();
    return closed;
  }

  /** mysql2's Server wraps a net.Server it does not expose but as `_server` (its "TODO: inherit Server from net.Server"). */
  private netServer(): NetServer {
    return (this.server as unknown as { _server: NetServer })._server;
  }

  private accept(conn: ServerConnection): void {
    const socket = conn.stream;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    // A client dropping mid-handshake emits 'error' on the connection; unhandled it would end the process.
    conn.on('error', () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.setTimeout(this.options.idleMs, () => socket.destroy());
    const connectionId = this.nextConnectionId++;
    let session: Session | undefined;
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: SERVER_VERSION,
      connectionId,
      statusFlags: SERVER_STATUS_AUTOCOMMIT,
      characterSet: UTF8MB4_GENERAL_CI,
      capabilityFlags: CAPABILITIES,
      authCallback: (params, cb) => {
        session = this.authenticate(conn, connectionId, params, cb);
      },
    });
    this.dispatch(conn, () => session);
  }

  private authenticate(conn: ServerConnection, connectionId: number, params: AuthParams, cb: (err: null) => void): Session | undefined {
    const host = params.address?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    const refuse = (e: LindormError) => {
      conn.writePacket(errPacket(e));
      conn.stream.end();
      return undefined;
    };
    const password = this.options.password(params.user);
    if (password === undefined || !params.authToken.equals(nativePasswordToken(password, scrambleOf(params)))) {
      return refuse(errors.accessDenied(params.user, host, params.authToken.length > 0));
    }
    const namespace = params.database || DEFAULT_NAMESPACE;
    if (!this.options.hasNamespace(namespace)) return refuse(errors.unknownDatabase(namespace));
    cb(null);
    conn.sequenceId = 0;
    this.options.onAuthenticated();
    return newSession(connectionId, params.user, host, namespace);
  }

  private dispatch(conn: ServerConnection, session: () => Session | undefined): void {
    let deferred: string | undefined;
    conn.on('query', (sql) => this.answer(conn, session(), String(sql)));
    // Query texts starting with SET or PREPARE come here too; the 'packet' event below tells which they were.
    conn.on('stmt_prepare', (sql) => (deferred = String(sql)));
    conn.on('init_db', (arg) => {
      const name = String(arg);
      const s = session();
      if (s && this.options.hasNamespace(name)) {
        s.namespace = name;
        conn.writePacket(okPacket(0));
      } else conn.writePacket(errPacket(errors.unknownDatabase(name)));
    });
    conn.on('packet', (_packet, known, code) => {
      if (!known) conn.writePacket(errPacket(errors.command(code)));
      else if (code === COM_STMT_PREPARE) conn.writePacket(errPacket(errors.preparedStatements()));
      else if (code === COM_QUERY && deferred !== undefined) this.answer(conn, session(), deferred);
      // COM_STMT_EXECUTE (and a query text starting with EXECUTE) mysql2 answers itself with an error.
      deferred = undefined;
      conn.sequenceId = 0;
    });
  }

  private answer(conn: ServerConnection, session: Session | undefined, sql: string): void {
    if (!session) return;
    let result: StatementResult;
    try {
      result = this.options.execute(sql, session);
    } catch (e) {
      if (e instanceof DropConnection) {
        conn.stream.destroy();
        return;
      }
      const err = e instanceof LindormError ? e : new LindormError(1105, 'HY000', `stand-in internal error: ${e instanceof Error ? e.message : String(e)}`);
      conn.writePacket(errPacket(err));
      return;
    }
    writeResult(conn, result);
  }
}

function writeResult(conn: ServerConnection, result: StatementResult): void {
  if (result.kind === 'ok') {
    conn.writePacket(okPacket(result.affectedRows));
    return;
  }
  conn.writePacket(columnCountPacket(result.columns.length));
  for (const c of result.columns) conn.writePacket(columnDefinitionPacket(c));
  conn.writePacket(eofPacket());
  for (const row of result.rows) conn.writePacket(rowPacket(row));
  conn.writePacket(eofPacket());
}
