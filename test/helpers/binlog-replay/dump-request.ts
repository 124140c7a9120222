/**
 * The two dump commands a replica sends, decoded from their payload (after the command byte):
 * COM_BINLOG_DUMP https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_binlog_dump.html
 * and COM_BINLOG_DUMP_GTID https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_binlog_dump_gtid.html.
 */
import { GtidSet } from './gtid-set.ts';

export const COM_BINLOG_DUMP = 0x12;
export const COM_REGISTER_SLAVE = 0x15;
export const COM_BINLOG_DUMP_GTID = 0x1e;

export interface DumpRequest {
  /** '' in a GTID dump: the server picks the first file with a transaction not in `excludeGtids` */
  readonly file: string;
  readonly position: number;
  readonly flags: number;
  readonly serverId: number;
  readonly excludeGtids?: GtidSet;
}

/** binlog-pos (4), flags (2), server-id (4), binlog-filename (rest of the packet). */
export function parseBinlogDump(payload: Buffer): DumpRequest {
  if (payload.length < 10) throw new Error(`COM_BINLOG_DUMP of ${payload.length} bytes is too short`);
  return {
    position: payload.readUInt32LE(0),
    flags: payload.readUInt16LE(4),
    serverId: payload.readUInt32LE(6),
    // Clients differ on a trailing NUL (some write one); the server takes the name up to it.
    file: payload.subarray(10).toString('utf8').replace(/\0.*$/s, ''),
  };
}

/**
 * flags (2), server-id (4), name size (4), name, position (8), data size (4), GTID set encoding.
 * MySQL reads the data size and set whatever the flags say (sql/rpl_source.cc com_binlog_dump_gtid).
 */
export function parseBinlogDumpGtid(payload: Buffer): DumpRequest {
  const flags = payload.readUInt16LE(0);
  const serverId = payload.readUInt32LE(2);
  const nameSize = payload.readUInt32LE(6);
  const file = payload.subarray(10, 10 + nameSize).toString('utf8');
  let at = 10 + nameSize;
  const position = Number(payload.readBigUInt64LE(at));
  at += 8;
  const dataSize = payload.readUInt32LE(at);
  at += 4;
  if (at + dataSize > payload.length) throw new Error(`COM_BINLOG_DUMP_GTID claims ${dataSize} bytes of GTID set, has ${payload.length - at}`);
  return { file, position, flags, serverId, excludeGtids: GtidSet.decode(payload.subarray(at, at + dataSize)) };
}
