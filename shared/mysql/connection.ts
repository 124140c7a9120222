/**
 * Connections to MySQL-family servers, with the session settings every fc-dts path relies on and
 * connection errors turned into messages that name the endpoint and the fix.
 */
import mysql from 'mysql2/promise';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import { FcDtsError } from '../errors.ts';
import type { MysqlEndpoint } from '../task/task.ts';

export type Role = 'source' | 'destination';

/**
 * Set in every destination session fc-dts writes with. Synchronized triggers are wrapped in
 * `IF @fc_dts_apply IS NULL` so they do not fire a second time for rows the source's trigger already made.
 */
export const APPLY_SESSION_VARIABLE = '@fc_dts_apply';

/**
 * Sessions run in UTC so TIMESTAMP values cross unshifted, in utf8mb4 so 4-byte characters survive.
 * Destination sessions also turn off foreign-key checks (rows arrive in key order, not FK order) and
 * keep an explicit 0 in an AUTO_INCREMENT column as 0.
 */
const SOURCE_SESSION = "SET NAMES utf8mb4, time_zone = '+00:00'";
const DESTINATION_SESSION =
  "SET NAMES utf8mb4, time_zone = '+00:00', foreign_key_checks = 0, " +
  "sql_mode = 'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', " +
  `${APPLY_SESSION_VARIABLE} = 1`;

/**
 * mysql2 runs every statement through its placeholder formatter, which scans the whole text even
 * without values; multi-megabyte batches do not need that: only statements with values are formatted.
 */
function queryFormat(sql: string, values: unknown): string {
  return values === undefined || (Array.isArray(values) && values.length === 0) ? sql : mysql.format(sql, values as Parameters<typeof mysql.format>[1], false, 'Z');
}

function options(ep: MysqlEndpoint, extra: Partial<ConnectionOptions>): ConnectionOptions {
  return {
    queryFormat,
    host: ep.host,
    port: ep.port,
    user: ep.user,
    password: ep.password,
    ...(ep.ssl ? { ssl: {} } : {}),
    connectTimeout: 10_000,
    charset: 'utf8mb4_general_ci',
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    multipleStatements: false,
    ...extra,
  };
}

export async function connect(role: Role, ep: MysqlEndpoint, extra: Partial<ConnectionOptions> = {}): Promise<Connection> {
  let conn: Connection;
  try {
    conn = await mysql.createConnection(options(ep, extra));
  } catch (e) {
    throw connectionError(role, ep, e);
  }
  conn.on('error', () => {}); // a dropped idle connection surfaces on its next query
  try {
    await conn.query(role === 'source' ? SOURCE_SESSION : DESTINATION_SESSION);
  } catch (e) {
    conn.destroy();
    throw connectionError(role, ep, e);
  }
  // MariaDB copies each statement's text into the binlog beside its rows (binlog_annotate_row_events,
  // ON by default): for multi-megabyte batch statements that doubles the destination's binlog writes
  // and helps no replica. Best effort: MySQL has no such variable, and the account may lack the privilege.
  if (role === 'destination') await conn.query('SET SESSION binlog_annotate_row_events = OFF').catch(() => {});
  return conn;
}

interface MysqlErrorLike { code?: string; errno?: number; fatal?: boolean; sqlMessage?: string; message?: string }

/** MariaDB: the session was killed (KILL CONNECTION, or the server's own timeouts). */
const ER_CONNECTION_KILLED = 1927;

/** A failure to reach or log in to `ep`, as a person should read it. */
export function connectionError(role: Role, ep: MysqlEndpoint, e: unknown): FcDtsError {
  const err = e as MysqlErrorLike;
  const at = `${role} ${ep.host}:${ep.port}`;
  switch (err.code) {
    case 'ER_ACCESS_DENIED_ERROR':
    case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return new FcDtsError('AUTH_FAILED', `${at}: access denied for user "${ep.user}" (wrong password or no such account)`, `check ${role}.user and ${role}.password in the task file`, { cause: e });
    case 'ER_HOST_NOT_PRIVILEGED':
      return new FcDtsError('AUTH_FAILED', `${at}: this host is not allowed to connect`, `grant "${ep.user}" access from this host on the ${role} server`, { cause: e });
    case 'ECONNREFUSED':
      return new FcDtsError('CONNECTION_FAILED', `${at}: connection refused (nothing listens there)`, `check ${role}.host and ${role}.port, and that the server is running`, { cause: e });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new FcDtsError('CONNECTION_FAILED', `${at}: host name "${ep.host}" does not resolve`, `check ${role}.host`, { cause: e });
    case 'ETIMEDOUT':
      return new FcDtsError('CONNECTION_FAILED', `${at}: connection timed out`, `check ${role}.host, ${role}.port and any firewall or whitelist between fc-dts and the server`, { cause: e });
    case 'HANDSHAKE_SSL_ERROR':
    case 'HANDSHAKE_NO_SSL_SUPPORT':
      return new FcDtsError('CONNECTION_FAILED', `${at}: SSL handshake failed (${err.message ?? ''})`, `enable SSL on the server or set ${role}.ssl: false`, { cause: e });
    default:
      return new FcDtsError('CONNECTION_FAILED', `${at}: cannot connect (${err.code ?? ''} ${err.sqlMessage ?? err.message ?? String(e)})`.trim(), `check the ${role} settings in the task file`, { cause: e });
  }
}

/**
 * True when the error means the connection itself is gone (retry on a new one), not the statement:
 * network errors, a killed session, and what mysql2 marks fatal (it closes the connection then).
 */
export function isConnectionLost(e: unknown): boolean {
  const err = e as MysqlErrorLike;
  const code = err.code ?? '';
  return ['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ER_SERVER_SHUTDOWN', 'PROTOCOL_SEQUENCE_TIMEOUT'].includes(code) ||
    err.errno === 2013 || err.errno === 2006 || err.errno === ER_CONNECTION_KILLED || err.fatal === true;
}

/** A lost connection, or a failure to open one: retried for advanced.retry.connectionMinutes. */
export function isConnectionProblem(e: unknown): boolean {
  return isConnectionLost(e) || (e instanceof FcDtsError && e.code === 'CONNECTION_FAILED');
}
