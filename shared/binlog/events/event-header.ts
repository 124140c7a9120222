/**
 * The common header of every binlog event (v4, 19 bytes): MySQL libbinlogevents/include/binlog_event.h
 * (Log_event_header), https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
 */
import { BinlogFormatError, type BinlogWhere } from './binlog-errors.ts';

export const EVENT_HEADER_LENGTH = 19;

export interface EventHeader {
  /** Seconds since the epoch when the statement began. */
  readonly timestamp: number;
  readonly type: number;
  readonly serverId: number;
  /** Size of the whole event: header, body and checksum. */
  readonly eventSize: number;
  /** The header's end_log_pos: where the next event starts (0 inside a TRANSACTION_PAYLOAD_EVENT). */
  readonly endPosition: number;
  readonly flags: number;
}

export function parseEventHeader(bytes: Buffer, where: BinlogWhere): EventHeader {
  if (bytes.length < EVENT_HEADER_LENGTH) {
    throw new BinlogFormatError(where, `event header is truncated: ${bytes.length} of ${EVENT_HEADER_LENGTH} bytes`);
  }
  const header: EventHeader = {
    timestamp: bytes.readUInt32LE(0),
    type: bytes[4]!,
    serverId: bytes.readUInt32LE(5),
    eventSize: bytes.readUInt32LE(9),
    endPosition: bytes.readUInt32LE(13),
    flags: bytes.readUInt16LE(17),
  };
  if (header.eventSize < EVENT_HEADER_LENGTH) {
    throw new BinlogFormatError(where, `event size ${header.eventSize} is smaller than the ${EVENT_HEADER_LENGTH}-byte header`);
  }
  return header;
}
