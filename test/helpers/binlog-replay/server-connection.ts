/**
 * The server side of one client connection, over mysql2's server API (node_modules/mysql2/lib/server.js,
 * lib/commands/server_handshake.js): handshake with mysql_native_password, and writers for the packets
 * the replay server answers with. mysql2's own writers are used where they are right; the quirks of
 * that API are worked around here:
 * - it never resets sequence ids between commands, so each complete response resets them;
 * - its ERR packet has no real SQLSTATE, so ERR packets are built here
 *   (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_err_packet.html).
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { ResultColumn, Cell } from './replay-queries.ts';

/** The parts of mysql2's server-side Connection used here (its typings declare only some of them). */
export interface Mysql2ServerConnection {
  sequenceId: number;
  readonly stream: Socket;
  serverHandshake(args: HandshakeArgs): void;
  writeOk(args?: { affectedRows?: number }): void;
  writeEof(): void;
  writeColumns(columns: readonly ColumnDefinition[]): void;
  writeTextRow(values: readonly Cell[]): void;
  writePacket(packet: RawPacket): void;
  on(event: 'packet', listener: (packet: { buffer: Buffer; start: number; end: number }, known: boolean, command: number) => void): void;
  on(event: 'query' | 'stmt_prepare' | 'stmt_execute' | 'error', listener: (...args: unknown[]) => void): void;
}

interface AuthParams { readonly user: string; readonly authPluginData1: Buffer; readonly authPluginData2: Buffer; readonly authToken: Buffer }

interface HandshakeArgs {
  protocolVersion: number;
  serverVersion: string;
  connectionId: number;
  statusFlags: number;
  characterSet: number;
  capabilityFlags: number;
  authCallback(params: AuthParams, done: (err: null, mysqlError?: { message: string; code: number }) => void): void;
}

interface ColumnDefinition {
  catalog: string; schema: string; table: string; orgTable: string; name: string; orgName: string;
  characterSet: number; columnLength: number; columnType: number; flags: number; decimals: number;
}

/** A payload mysql2's writePacket frames (it fills the 4-byte header). */
export class RawPacket {
  readonly buffer: Buffer;
  constructor(payload: Buffer) {
    this.buffer = Buffer.concat([Buffer.alloc(4), payload]);
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
 * LONG_PASSWORD | FOUND_ROWS | LONG_FLAG | CONNECT_WITH_DB | PROTOCOL_41 | TRANSACTIONS |
 * SECURE_CONNECTION | MULTI_STATEMENTS | MULTI_RESULTS | PS_MULTI_RESULTS | PLUGIN_AUTH | CONNECT_ATTRS |
 * PLUGIN_AUTH_LENENC_CLIENT_DATA; no SSL, compression or DEPRECATE_EOF (mysql2's writers send EOF packets).
 */
const CAPABILITIES = 0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x10000 | 0x20000 | 0x40000 | 0x80000 | 0x100000 | 0x200000;
const UTF8MB4_GENERAL_CI = 45;
const SERVER_STATUS_AUTOCOMMIT = 0x2;

export interface Credentials { readonly user: string; readonly password: string }

export function handshake(conn: Mysql2ServerConnection, version: string, connectionId: number, credentials: Credentials): void {
  conn.serverHandshake({
    protocolVersion: 10,
    // MariaDB prefixes its handshake version so old clients take it for 5.5 (RPL_VERSION_HACK, include/mysql_com.h).
    serverVersion: /mariadb/i.test(version) ? `5.5.5-${version}` : version,
    connectionId,
    statusFlags: SERVER_STATUS_AUTOCOMMIT,
    characterSet: UTF8MB4_GENERAL_CI,
    capabilityFlags: CAPABILITIES,
    authCallback: (params, done) => {
      const scramble = Buffer.concat([params.authPluginData1, params.authPluginData2]);
      if (params.user === credentials.user && params.authToken.equals(nativePasswordToken(credentials.password, scramble))) {
        done(null);
        conn.sequenceId = 0;
      } else {
        done(null, { message: `Access denied for user '${params.user}'@'127.0.0.1' (using password: ${params.authToken.length > 0 ? 'YES' : 'NO'})`, code: 1045 });
      }
    },
  });
}

/**
 * mysql_native_password: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))), empty for no password
 * (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_native_password_authentication.html).
 */
function nativePasswordToken(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const sha1 = (...parts: Buffer[]): Buffer => createHash('sha1').update(Buffer.concat(parts)).digest();
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  const mask = sha1(scramble, sha1(stage1));
  return Buffer.from(stage1.map((b, i) => b ^ mask[i]!));
}

export function writeOk(conn: Mysql2ServerConnection): void {
  conn.writeOk();
  conn.sequenceId = 0;
}

export function writeError(conn: Mysql2ServerConnection, errno: number, sqlState: string, message: string): void {
  const head = Buffer.alloc(3);
  head[0] = 0xff;
  head.writeUInt16LE(errno, 1);
  conn.writePacket(new RawPacket(Buffer.concat([head, Buffer.from(`#${sqlState}`, 'latin1'), Buffer.from(message, 'utf8')])));
  conn.sequenceId = 0;
}

/** A text result set; integer columns are typed LONGLONG so clients read numbers. */
export function writeRows(conn: Mysql2ServerConnection, columns: readonly ResultColumn[], rows: readonly (readonly Cell[])[]): void {
  conn.writeColumns(columns.map((c) => ({
    catalog: 'def', schema: '', table: '', orgTable: '', name: c.name, orgName: c.name,
    characterSet: c.integer ? 63 : UTF8MB4_GENERAL_CI, columnLength: c.integer ? 21 : 1024,
    columnType: c.integer ? 8 : 253, flags: c.integer ? 0x20 | 0x80 : 0, decimals: c.integer ? 0 : 31,
  })));
  for (const row of rows) conn.writeTextRow(row);
  conn.writeEof();
  conn.sequenceId = 0;
}

export function writeEof(conn: Mysql2ServerConnection): void {
  conn.writeEof();
  conn.sequenceId = 0;
}
