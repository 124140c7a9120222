/**
 * What servers built on mysql2's server API (`mysql.createServer()`, node_modules/mysql2/lib/server.js and
 * lib/commands/server_handshake.js) share: the typings of the parts of its server-side Connection they use (its
 * own typings declare few), framing of hand-built packets, the mysql_native_password check, and the ERR packet
 * with a real SQLSTATE (mysql2's `writeError` always sends `#_____`).
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';

export const UTF8MB4_GENERAL_CI = 45;
export const SERVER_STATUS_AUTOCOMMIT = 0x0002;

export interface AuthParams {
  readonly user: string;
  readonly database?: string;
  readonly address?: string;
  readonly authPluginData1: Buffer;
  readonly authPluginData2: Buffer;
  readonly authToken: Buffer;
}

export interface HandshakeArgs {
  protocolVersion: number;
  serverVersion: string;
  connectionId: number;
  statusFlags: number;
  characterSet: number;
  capabilityFlags: number;
  authCallback(params: AuthParams, done: (err: null, mysqlError?: { message: string; code: number }) => void): void;
}

export interface ColumnDefinition {
  catalog: string; schema: string; table: string; orgTable: string; name: string; orgName: string;
  characterSet: number; columnLength: number; columnType: number; flags: number; decimals: number;
}

/** The server side of one client connection (mysql2's Connection with `isServer`). */
export interface Mysql2ServerConnection {
  /** mysql2 never resets it between commands: a server sets it to 0 after each complete answer. */
  sequenceId: number;
  readonly stream: Socket;
  serverHandshake(args: HandshakeArgs): void;
  writeOk(args?: { affectedRows?: number }): void;
  writeEof(): void;
  writeColumns(columns: readonly ColumnDefinition[]): void;
  writeTextRow(values: readonly (string | number | null)[]): void;
  writePacket(packet: RawPacket): void;
  /** Emitted after every command, with the command's packet and code; `known` is false for one mysql2 does not dispatch. */
  on(event: 'packet', listener: (packet: { buffer: Buffer; start: number; end: number }, known: boolean, command: number) => void): void;
  on(event: 'query' | 'stmt_prepare' | 'stmt_execute' | 'init_db' | 'error', listener: (...args: unknown[]) => void): void;
}

/** A payload mysql2's writePacket frames (it fills the 4-byte header). */
export class RawPacket {
  readonly buffer: Buffer;

  constructor(payload: Buffer) {
    this.buffer = Buffer.concat([Buffer.alloc(4), payload]);
  }

  /** The payload's length: what writePacket splits at 16 MB. */
  length(): number {
    return this.buffer.length - 4;
  }

  writeHeader(sequenceId: number): void {
    this.buffer.writeUIntLE(this.buffer.length - 4, 0, 3);
    this.buffer[3] = sequenceId;
  }
}

/** An ERR packet (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_err_packet.html). */
export function errPacket(errno: number, sqlState: string, message: string): RawPacket {
  const head = Buffer.alloc(3);
  head[0] = 0xff;
  head.writeUInt16LE(errno, 1);
  return new RawPacket(Buffer.concat([head, Buffer.from(`#${sqlState}`, 'latin1'), Buffer.from(message, 'utf8')]));
}

/**
 * mysql_native_password: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))), empty for no password
 * (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_native_password_authentication.html).
 */
export function nativePasswordToken(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const sha1 = (...parts: Buffer[]): Buffer => createHash('sha1').update(Buffer.concat(parts)).digest();
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  const mask = sha1(scramble, sha1(stage1));
  return Buffer.from(stage1.map((b, i) => b ^ mask[i]!));
}

/** The scramble a handshake sent: both parts of its auth plugin data. */
export function scrambleOf(params: AuthParams): Buffer {
  return Buffer.concat([params.authPluginData1, params.authPluginData2]);
}
