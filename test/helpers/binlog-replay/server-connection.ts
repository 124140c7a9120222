/**
 * The server side of one client connection, over mysql2's server API (node_modules/mysql2/lib/server.js,
 * lib/commands/server_handshake.js): handshake with mysql_native_password, and writers for the packets
 * the replay server answers with. mysql2's own writers are used where they are right; the quirks of
 * that API are worked around here:
 * - it never resets sequence ids between commands, so each complete response resets them;
 * - its ERR packet has no real SQLSTATE, so ERR packets are built by infra/lib/mysql2-server.ts.
 */
import {
  errPacket,
  nativePasswordToken,
  scrambleOf,
  SERVER_STATUS_AUTOCOMMIT,
  UTF8MB4_GENERAL_CI,
  type Mysql2ServerConnection,
} from '../../../infra/lib/mysql2-server.ts';
import type { ResultColumn, Cell } from './replay-queries.ts';

export { RawPacket, type Mysql2ServerConnection } from '../../../infra/lib/mysql2-server.ts';

/**
 * LONG_PASSWORD | FOUND_ROWS | LONG_FLAG | CONNECT_WITH_DB | PROTOCOL_41 | TRANSACTIONS |
 * SECURE_CONNECTION | MULTI_STATEMENTS | MULTI_RESULTS | PS_MULTI_RESULTS | PLUGIN_AUTH | CONNECT_ATTRS |
 * PLUGIN_AUTH_LENENC_CLIENT_DATA; no SSL, compression or DEPRECATE_EOF (mysql2's writers send EOF packets).
 */
const CAPABILITIES = 0x1 | 0x2 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x10000 | 0x20000 | 0x40000 | 0x80000 | 0x100000 | 0x200000;

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
      if (params.user === credentials.user && params.authToken.equals(nativePasswordToken(credentials.password, scrambleOf(params)))) {
        done(null);
        conn.sequenceId = 0;
      } else {
        done(null, { message: `Access denied for user '${params.user}'@'127.0.0.1' (using password: ${params.authToken.length > 0 ? 'YES' : 'NO'})`, code: 1045 });
      }
    },
  });
}

export function writeOk(conn: Mysql2ServerConnection): void {
  conn.writeOk();
  conn.sequenceId = 0;
}

export function writeError(conn: Mysql2ServerConnection, errno: number, sqlState: string, message: string): void {
  conn.writePacket(errPacket(errno, sqlState, message));
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
