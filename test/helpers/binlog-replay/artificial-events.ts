/**
 * The events a dump thread makes up rather than reads from a file, built as MySQL's Binlog_sender
 * builds them (sql/rpl_binlog_sender.cc fake_rotate_event, send_heartbeat_event,
 * send_format_description_event).
 */
import { crc32 } from 'node:zlib';
import { EventType, HEADER_LENGTH } from './served-binlog.ts';

/** log_event.h: the event was made up by the server, not read from a binlog. */
const LOG_EVENT_ARTIFICIAL_F = 0x20;
/** log_event.h: set in the FORMAT_DESCRIPTION_EVENT of a binlog not closed properly (still being written). */
const LOG_EVENT_BINLOG_IN_USE_F = 0x1;

interface Header {
  readonly type: number;
  readonly serverId: number;
  readonly logPos: number;
  readonly flags: number;
}

function event(header: Header, body: Buffer, withChecksum: boolean): Buffer {
  const length = HEADER_LENGTH + body.length + (withChecksum ? 4 : 0);
  const bytes = Buffer.alloc(length);
  bytes.writeUInt32LE(0, 0); // timestamp 0: how a replica tells a made-up event from a real one
  bytes[4] = header.type;
  bytes.writeUInt32LE(header.serverId, 5);
  bytes.writeUInt32LE(length, 9);
  bytes.writeUInt32LE(header.logPos, 13);
  bytes.writeUInt16LE(header.flags, 17);
  body.copy(bytes, HEADER_LENGTH);
  if (withChecksum) setChecksum(bytes);
  return bytes;
}

function setChecksum(bytes: Buffer): void {
  bytes.writeUInt32LE(crc32(bytes.subarray(0, bytes.length - 4)), bytes.length - 4);
}

/** Sent before each file: names it and the position reading continues from (log_pos 0, position u64 + name). */
export function fakeRotate(file: string, position: number, serverId: number, withChecksum: boolean): Buffer {
  const body = Buffer.alloc(8 + Buffer.byteLength(file));
  body.writeBigUInt64LE(BigInt(position), 0);
  body.write(file, 8);
  return event({ type: EventType.ROTATE, serverId, logPos: 0, flags: LOG_EVENT_ARTIFICIAL_F }, body, withChecksum);
}

/** Sent while waiting for events, and after skipped GTID groups: log_pos = where the dump stands in `file`. */
export function heartbeat(file: string, position: number, serverId: number, withChecksum: boolean): Buffer {
  return event({ type: EventType.HEARTBEAT, serverId, logPos: position, flags: 0 }, Buffer.from(file), withChecksum);
}

/**
 * The file's FORMAT_DESCRIPTION_EVENT as sent: the in-use flag cleared; when the dump skips the start of
 * the file also log_pos and the `created` timestamp zeroed (so the replica neither takes the position
 * nor drops its temporary tables), with the checksum recomputed.
 */
export function formatDescriptionToSend(fde: Buffer, skipsFileStart: boolean, withChecksum: boolean): Buffer {
  const bytes = Buffer.from(fde);
  bytes[17] = bytes[17]! & ~LOG_EVENT_BINLOG_IN_USE_F;
  if (skipsFileStart) {
    bytes.writeUInt32LE(0, 13);
    bytes.writeUInt32LE(0, HEADER_LENGTH + 2 + 50); // after binlog_version (2) and server_version (50)
  }
  if (withChecksum) setChecksum(bytes);
  return bytes;
}
