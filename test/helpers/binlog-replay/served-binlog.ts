/**
 * One binlog file as the replay server serves it: its bytes, under the name it is served as, with its
 * events located and the facts the dump protocol needs read from them (checksum algorithm, GTIDs).
 * Layout: https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_replication_binlog_event.html
 * (4-byte magic, then events with a 19-byte header: timestamp 4, type 1, server_id 4, event_size 4,
 * log_pos 4, flags 2).
 */
import { formatUuid, GtidSet } from './gtid-set.ts';

export const HEADER_LENGTH = 19;
export const BINLOG_MAGIC = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);

export const EventType = {
  ROTATE: 4,
  FORMAT_DESCRIPTION: 15,
  HEARTBEAT: 27,
  GTID: 33,
  PREVIOUS_GTIDS: 35,
} as const;

export type ChecksumAlgorithm = 'NONE' | 'CRC32';

export interface EventSpan {
  readonly offset: number;
  readonly length: number;
  readonly type: number;
}

export class ServedBinlog {
  readonly events: readonly EventSpan[];
  readonly checksum: ChecksumAlgorithm;
  /** Its PREVIOUS_GTIDS event's set: every transaction before this file (empty when it has none). */
  readonly previousGtids: GtidSet;

  constructor(readonly name: string, readonly bytes: Buffer) {
    if (!bytes.subarray(0, 4).equals(BINLOG_MAGIC)) throw new Error(`${name}: not a binlog file (no 0xfe 'bin' magic)`);
    this.events = locateEvents(name, bytes);
    const fde = this.events[0];
    if (fde?.type !== EventType.FORMAT_DESCRIPTION) throw new Error(`${name}: the first event is not a FORMAT_DESCRIPTION_EVENT`);
    this.checksum = checksumOf(bytes.subarray(fde.offset, fde.offset + fde.length));
    const previous = this.events.find((e) => e.type === EventType.PREVIOUS_GTIDS);
    this.previousGtids = previous ? GtidSet.decode(this.body(previous)) : new GtidSet();
  }

  get size(): number {
    return this.bytes.length;
  }

  event(span: EventSpan): Buffer {
    return this.bytes.subarray(span.offset, span.offset + span.length);
  }

  /** The event's bytes after the header, without its checksum. */
  body(span: EventSpan): Buffer {
    return this.bytes.subarray(span.offset + HEADER_LENGTH, span.offset + span.length - (this.checksum === 'CRC32' ? 4 : 0));
  }

  /** A MySQL GTID_LOG_EVENT's transaction: flags 1, sid 16, gno 8 (libbinlogevents control_events.h Gtid_event). */
  gtidOf(span: EventSpan): { uuid: string; gno: bigint } {
    const body = this.body(span);
    return { uuid: formatUuid(body.subarray(1, 17)), gno: body.readBigInt64LE(17) };
  }

  /** Every transaction written in this file (MySQL GTID events). */
  gtids(): GtidSet {
    const set = new GtidSet();
    for (const e of this.events) {
      if (e.type !== EventType.GTID) continue;
      const { uuid, gno } = this.gtidOf(e);
      set.add(uuid, gno);
    }
    return set;
  }
}

function locateEvents(name: string, bytes: Buffer): EventSpan[] {
  const events: EventSpan[] = [];
  let offset = BINLOG_MAGIC.length;
  while (offset + HEADER_LENGTH <= bytes.length) {
    const length = bytes.readUInt32LE(offset + 9);
    if (length < HEADER_LENGTH || offset + length > bytes.length) throw new Error(`${name}: bad event length ${length} at ${offset}`);
    events.push({ offset, length, type: bytes[offset + 4]! });
    offset += length;
  }
  if (offset !== bytes.length) throw new Error(`${name}: ${bytes.length - offset} stray bytes after the last event`);
  return events;
}

/**
 * A checksum-aware server (MySQL 5.6.1+, MariaDB 5.3+) ends the FORMAT_DESCRIPTION_EVENT with the
 * algorithm byte (0 NONE, 1 CRC32) and the event's own CRC32: the last 5 bytes
 * (libbinlogevents binlog_event.cpp Log_event_footer::get_checksum_alg).
 */
function checksumOf(fde: Buffer): ChecksumAlgorithm {
  const version = fde.subarray(HEADER_LENGTH + 2, HEADER_LENGTH + 52).toString('latin1').replace(/\0.*$/s, '');
  const [major = 0, minor = 0, patch = 0] = version.split(/[.-]/).map(Number);
  const aware = major >= 10 || major * 10_000 + minor * 100 + patch >= 50_601;
  return aware && fde[fde.length - 5] === 1 ? 'CRC32' : 'NONE';
}
