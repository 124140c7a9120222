/**
 * QUERY_EVENT: a statement logged as text (DDL, BEGIN, COMMIT, statement-based DML). Layout and
 * status variables: MySQL libbinlogevents/src/statement_events.cpp (Query_event), MariaDB
 * sql/log_event.cc (Q_HRNOW, Q_XID, Q_GTID_FLAGS3).
 */
import { BinlogFormatError } from './binlog-errors.ts';
import type { ByteReader } from './byte-reader.ts';
import { charsetOfCollation } from './collations.ts';
import { textDecoding } from './text-decoding.ts';

export interface QueryStatus {
  /** @@sql_mode of the session (a bit set, MySQL sql/system_variables.h MODE_*). */
  readonly sqlMode?: bigint;
  /** The character set the SQL text is in (character_set_client), from the charset status variable. */
  readonly clientCharset?: string;
  readonly clientCollationId?: number;
  readonly connectionCollationId?: number;
  readonly serverCollationId?: number;
  readonly timeZone?: string;
}

export interface QueryBody {
  readonly threadId: number;
  readonly executionTime: number;
  readonly errorCode: number;
  /** The session's default database ('' when none): the statement's unqualified names refer to it. */
  readonly schema: string;
  readonly sql: string;
  readonly status: QueryStatus;
  /** NO_BACKSLASH_ESCAPES was on: a backslash in a string literal is an ordinary character. */
  readonly noBackslashEscapes: boolean;
}

/** MODE_NO_BACKSLASH_ESCAPES = 1 << 20 (MySQL sql/system_variables.h, MariaDB sql/sql_class.h). */
const NO_BACKSLASH_ESCAPES = 1n << 20n;

export function parseQuery(r: ByteReader): QueryBody {
  const threadId = r.u32();
  const executionTime = r.u32();
  const schemaLength = r.u8();
  const errorCode = r.u16();
  const statusLength = r.u16();
  const status = parseStatusVars(r.sub(statusLength));
  const schema = r.bytes(schemaLength).toString('utf8');
  r.take(1);
  const raw = r.rest();
  // Without the charset status variable (MySQL < 5.0.4) the text is taken as UTF-8.
  const sql = (textDecoding(status.clientCharset) ?? textDecoding('utf8mb4')!)(raw, 0, raw.length);
  return { threadId, executionTime, errorCode, schema, sql, status, noBackslashEscapes: ((status.sqlMode ?? 0n) & NO_BACKSLASH_ESCAPES) !== 0n };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Status variables until the first code not known here: their lengths differ, so reading stops there (as the server does). */
function parseStatusVars(r: ByteReader): QueryStatus {
  const s: Mutable<QueryStatus> = {};
  while (r.remaining > 0) {
    const code = r.u8();
    if (!readStatusVar(code, r, s)) break;
  }
  return s;
}

/** Fixed sizes of the status variables skipped without interpretation (Query_event::Query_event in statement_events.cpp). */
const SKIPPED: ReadonlyMap<number, number> = new Map([
  [0, 4], // Q_FLAGS2_CODE
  [3, 4], // Q_AUTO_INCREMENT
  [7, 2], // Q_LC_TIME_NAMES_CODE
  [8, 2], // Q_CHARSET_DATABASE_CODE
  [9, 8], // Q_TABLE_MAP_FOR_UPDATE_CODE
  [10, 4], // Q_MASTER_DATA_WRITTEN_CODE
  [13, 3], // Q_MICROSECONDS
  [16, 1], // Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP
  [17, 8], // Q_DDL_LOGGED_WITH_XID
  [18, 2], // Q_DEFAULT_COLLATION_FOR_UTF8MB4
  [19, 1], // Q_SQL_REQUIRE_PRIMARY_KEY
  [20, 1], // Q_DEFAULT_TABLE_ENCRYPTION
  [128, 3], // MariaDB Q_HRNOW
  [129, 8], // MariaDB Q_XID
  [130, 1], // MariaDB Q_GTID_FLAGS3
]);

function readStatusVar(code: number, r: ByteReader, s: Mutable<QueryStatus>): boolean {
  const skip = SKIPPED.get(code);
  if (skip !== undefined) {
    r.take(skip);
    return true;
  }
  switch (code) {
    case 1: // Q_SQL_MODE_CODE
      s.sqlMode = r.u64();
      return true;
    case 2: // Q_CATALOG_CODE (5.0.0–5.0.3): length, text, NUL
      r.take(r.u8() + 1);
      return true;
    case 4: // Q_CHARSET_CODE
      s.clientCollationId = r.u16();
      s.connectionCollationId = r.u16();
      s.serverCollationId = r.u16();
      if (charsetOfCollation(s.clientCollationId)) s.clientCharset = charsetOfCollation(s.clientCollationId)!;
      return true;
    case 5: // Q_TIME_ZONE_CODE
      s.timeZone = r.bytes(r.u8()).toString('utf8');
      return true;
    case 6: // Q_CATALOG_NZ_CODE
      r.take(r.u8());
      return true;
    case 11: // Q_INVOKER: user, host
      r.take(r.u8());
      r.take(r.u8());
      return true;
    case 12: // Q_UPDATED_DB_NAMES: count (254: too many to list), then NUL-terminated names
      skipDbNames(r);
      return true;
    default:
      return false;
  }
}

function skipDbNames(r: ByteReader): void {
  const count = r.u8();
  if (count === 254) return;
  for (let i = 0; i < count; i++) {
    const end = r._buffer.indexOf(0, r._offset);
    if (end < 0 || end >= r.end) throw new BinlogFormatError(r.where, 'Q_UPDATED_DB_NAMES status variable is not NUL-terminated');
    r.take(end - r._offset + 1);
  }
}
