/**
 * Binlog event type codes: MySQL libbinlogevents/include/binlog_event.h (enum Log_event_type) and
 * MariaDB sql/log_event.h (types 160 and up). Only the names are listed here; which of them the
 * parser reads is decided in event-parser.ts.
 */
export const EventType = {
  UNKNOWN: 0,
  START_V3: 1,
  QUERY: 2,
  STOP: 3,
  ROTATE: 4,
  INTVAR: 5,
  SLAVE: 7,
  APPEND_BLOCK: 9,
  DELETE_FILE: 11,
  RAND: 13,
  USER_VAR: 14,
  FORMAT_DESCRIPTION: 15,
  XID: 16,
  BEGIN_LOAD_QUERY: 17,
  EXECUTE_LOAD_QUERY: 18,
  TABLE_MAP: 19,
  WRITE_ROWS_V1: 23,
  UPDATE_ROWS_V1: 24,
  DELETE_ROWS_V1: 25,
  INCIDENT: 26,
  HEARTBEAT: 27,
  IGNORABLE: 28,
  ROWS_QUERY: 29,
  WRITE_ROWS: 30,
  UPDATE_ROWS: 31,
  DELETE_ROWS: 32,
  GTID: 33,
  ANONYMOUS_GTID: 34,
  PREVIOUS_GTIDS: 35,
  TRANSACTION_CONTEXT: 36,
  VIEW_CHANGE: 37,
  XA_PREPARE: 38,
  PARTIAL_UPDATE_ROWS: 39,
  TRANSACTION_PAYLOAD: 40,
  HEARTBEAT_V2: 41,
  GTID_TAGGED: 42,
  /** Amazon Aurora's padding event, not a MySQL type (SHOW BINLOG EVENTS says Aurora_padding: mysql-binlog-connector-java BinaryLogFileReaderIntegrationTest). */
  AURORA_PADDING: 100,
  MARIADB_ANNOTATE_ROWS: 160,
  MARIADB_BINLOG_CHECKPOINT: 161,
  MARIADB_GTID: 162,
  MARIADB_GTID_LIST: 163,
  MARIADB_START_ENCRYPTION: 164,
  MARIADB_QUERY_COMPRESSED: 165,
  MARIADB_WRITE_ROWS_COMPRESSED_V1: 169,
  MARIADB_UPDATE_ROWS_COMPRESSED_V1: 170,
  MARIADB_DELETE_ROWS_COMPRESSED_V1: 171,
} as const;

const NAMES = new Map<number, string>(Object.entries(EventType).map(([name, code]) => [code, name]));

/** The name of a type code, `TYPE_<n>` for codes neither MySQL nor MariaDB define. */
export function eventTypeName(type: number): string {
  return NAMES.get(type) ?? `TYPE_${type}`;
}
