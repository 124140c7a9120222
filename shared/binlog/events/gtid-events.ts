/**
 * Transaction identifiers: MySQL GTID_LOG_EVENT / ANONYMOUS_GTID_LOG_EVENT and PREVIOUS_GTIDS_LOG_EVENT
 * (libbinlogevents/src/control_events.cpp Gtid_event, Previous_gtids_event), MariaDB GTID_EVENT
 * (sql/log_event.cc Gtid_log_event).
 */
import { BinlogFormatError } from './binlog-errors.ts';
import type { ByteReader } from './byte-reader.ts';

export interface MysqlGtidBody {
  /** "uuid:gno"; for an ANONYMOUS_GTID event the uuid and gno are zero and `anonymous` is true. */
  readonly gtid: string;
  readonly anonymous: boolean;
  readonly uuid: string;
  readonly gno: bigint;
  /** GTID flags byte (bit 0: may have been committed without a group commit barrier). */
  readonly flags: number;
}

export function parseMysqlGtid(r: ByteReader, anonymous: boolean): MysqlGtidBody {
  const flags = r.u8();
  const uuid = uuidText(r.bytes(16));
  const gno = r.i64();
  // last_committed, sequence_number, commit timestamps and transaction length follow: not needed.
  return { gtid: `${uuid}:${gno}`, anonymous, uuid, gno, flags };
}

export interface MariadbGtidBody {
  /** domain-server-sequence, as @@gtid_current_pos spells it. */
  readonly gtid: string;
  readonly domainId: number;
  readonly serverId: number;
  readonly sequence: bigint;
  readonly flags: number;
  /** FL_STANDALONE: the event group is one statement without BEGIN (a DDL). */
  readonly standalone: boolean;
}

const FL_STANDALONE = 1;

export function parseMariadbGtid(r: ByteReader, serverId: number): MariadbGtidBody {
  const sequence = r.u64();
  const domainId = r.u32();
  const flags = r.u8();
  return { gtid: `${domainId}-${serverId}-${sequence}`, domainId, serverId, sequence, flags, standalone: (flags & FL_STANDALONE) !== 0 };
}

export interface GtidInterval {
  readonly first: bigint;
  readonly last: bigint;
}

export interface PreviousGtidsBody {
  /** The set as @@gtid_executed prints it: "uuid:1-5:7,uuid2:1-3" ('' when empty). */
  readonly gtidSet: string;
  readonly sids: ReadonlyArray<{ readonly uuid: string; readonly intervals: readonly GtidInterval[] }>;
}

export function parsePreviousGtids(r: ByteReader): PreviousGtidsBody {
  const head = r.u64();
  // MySQL 8.3+ may write tagged GTID sets, flagged in the top byte (Gtid_set::decode): not read here.
  if (head >> 56n !== 0n) throw new BinlogFormatError(r.where, 'PREVIOUS_GTIDS with tagged GTIDs (MySQL 8.3+) is not supported');
  const sids = Array.from({ length: Number(head) }, () => {
    const uuid = uuidText(r.bytes(16));
    const intervals = Array.from({ length: r.safeU64('GTID interval count') }, () => {
      const start = r.i64();
      const end = r.i64(); // exclusive
      return { first: start, last: end - 1n };
    });
    return { uuid, intervals };
  });
  const gtidSet = sids.map((s) => [s.uuid, ...s.intervals.map((i) => (i.first === i.last ? `${i.first}` : `${i.first}-${i.last}`))].join(':')).join(',');
  return { gtidSet, sids };
}

function uuidText(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
