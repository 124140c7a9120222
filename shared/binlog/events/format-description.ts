/**
 * FORMAT_DESCRIPTION_EVENT, the first event of every binlog file: how the events after it are laid
 * out (post-header length per type) and whether they end in a checksum. MySQL
 * libbinlogevents/src/control_events.cpp (Format_description_event), go-mysql replication/event.go.
 */
import { BinlogFormatError } from './binlog-errors.ts';
import type { ByteReader } from './byte-reader.ts';
import { EVENT_HEADER_LENGTH } from './event-header.ts';

/** binlog_checksum: enum_binlog_checksum_alg in libbinlogevents/include/binlog_event.h. */
export type ChecksumAlgorithm = 'none' | 'crc32';

export interface FormatDescription {
  readonly binlogVersion: number;
  readonly serverVersion: string;
  /** A MariaDB server wrote the file (its version says so). */
  readonly mariadb: boolean;
  readonly createTimestamp: number;
  readonly headerLength: number;
  /** postHeaderLengths[type - 1] is the post-header length of events of that type. */
  readonly postHeaderLengths: readonly number[];
  readonly checksum: ChecksumAlgorithm;
}

const SERVER_VERSION_LENGTH = 50;
const CHECKSUM_ALG_LENGTH = 1;
export const CHECKSUM_LENGTH = 4;

/** `r` covers the event after its 19-byte header, checksum included: the FDE says itself whether it has one. */
export function parseFormatDescription(r: ByteReader): FormatDescription {
  const binlogVersion = r.u16();
  const rawVersion = r.bytes(SERVER_VERSION_LENGTH);
  const nul = rawVersion.indexOf(0);
  const serverVersion = rawVersion.toString('latin1', 0, nul < 0 ? rawVersion.length : nul);
  const createTimestamp = r.u32();
  const headerLength = r.u8();
  if (binlogVersion !== 4 || headerLength !== EVENT_HEADER_LENGTH) {
    throw new BinlogFormatError(r.where, `binlog version ${binlogVersion} with ${headerLength}-byte headers is not supported (only v4, 19 bytes: MySQL 5.0 and later)`);
  }
  const mariadb = /mariadb/i.test(serverVersion);
  // The algorithm byte and a CRC32 end the FDE only from MySQL 5.6.1 / MariaDB 5.3.0 on, whatever
  // the algorithm (libbinlogevents control_events.cpp: checksum_version_split; go-mysql event.go).
  const hasChecksumField = versionAtLeast(serverVersion, mariadb ? [5, 3, 0] : [5, 6, 1]);
  const tail = hasChecksumField ? CHECKSUM_ALG_LENGTH + CHECKSUM_LENGTH : 0;
  const postHeaderLengths = [...r.bytes(r.remaining - tail)];
  let checksum: ChecksumAlgorithm = 'none';
  if (hasChecksumField) {
    const alg = r.u8();
    if (alg === 1) checksum = 'crc32';
    else if (alg !== 0) throw new BinlogFormatError(r.where, `unknown binlog checksum algorithm ${alg}`);
  }
  return { binlogVersion, serverVersion, mariadb, createTimestamp, headerLength, postHeaderLengths, checksum };
}

/** The post-header length the FDE gives events of `type` (0 when it lists none). */
export function postHeaderLength(fde: FormatDescription, type: number): number {
  return fde.postHeaderLengths[type - 1] ?? 0;
}

function versionAtLeast(version: string, min: readonly [number, number, number]): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return v[i]! > min[i]!;
  return true;
}
