/**
 * A MySQL GTID set (untagged GTIDs, as MySQL before 8.3 has them) in the two forms the replication
 * protocol uses: the text of @@gtid_executed ('uuid:1-5:7,uuid2:1') and the binary encoding of
 * COM_BINLOG_DUMP_GTID and PREVIOUS_GTIDS_LOG_EVENT: n_sids (u64), then per sid its 16 UUID bytes,
 * n_intervals (u64) and each interval as start (u64), end (u64, exclusive)
 * (https://dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_binlog_dump_gtid.html,
 * sql/rpl_gtid_set.cc Gtid_set::add_gtid_encoding).
 */

/** [start, end] inclusive, sorted and not overlapping. */
type Intervals = Array<[bigint, bigint]>;

export class GtidSet {
  /** lowercase dashed UUID → its transaction numbers */
  private readonly sids = new Map<string, Intervals>();

  static parse(text: string): GtidSet {
    const set = new GtidSet();
    for (const entry of text.replace(/\s/g, '').split(',').filter((e) => e !== '')) {
      const [uuid, ...ranges] = entry.split(':');
      if (!uuid || ranges.length === 0) throw new Error(`invalid GTID set entry '${entry}'`);
      for (const range of ranges) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(range);
        if (!m) throw new Error(`invalid GTID interval '${entry}' (tagged GTIDs are not supported)`);
        set.add(uuid, BigInt(m[1]!), BigInt(m[2] ?? m[1]!));
      }
    }
    return set;
  }

  static decode(bytes: Buffer): GtidSet {
    const set = new GtidSet();
    if (bytes.length === 0) return set;
    const nSids = bytes.readBigUInt64LE(0);
    // MySQL 8.3+ marks the tagged format in the top byte of n_sids (Gtid_set::encode_nsids_format).
    if (nSids >> 56n !== 0n) throw new Error('tagged GTID set encoding (MySQL 8.3+) is not supported');
    let at = 8;
    for (let i = 0n; i < nSids; i++) {
      const uuid = formatUuid(bytes.subarray(at, at + 16));
      const nIntervals = bytes.readBigUInt64LE(at + 16);
      at += 24;
      for (let j = 0n; j < nIntervals; j++, at += 16) {
        set.add(uuid, bytes.readBigUInt64LE(at), bytes.readBigUInt64LE(at + 8) - 1n);
      }
    }
    return set;
  }

  add(uuid: string, start: bigint, end: bigint = start): void {
    const key = uuid.toLowerCase();
    const merged: Intervals = [];
    let [s, e] = [start, end];
    for (const [a, b] of this.sids.get(key) ?? []) {
      if (b + 1n < s || e + 1n < a) merged.push([a, b]);
      else [s, e] = [a < s ? a : s, b > e ? b : e];
    }
    merged.push([s, e]);
    merged.sort((x, y) => (x[0] < y[0] ? -1 : 1));
    this.sids.set(key, merged);
  }

  contains(uuid: string, gno: bigint): boolean {
    return (this.sids.get(uuid.toLowerCase()) ?? []).some(([a, b]) => a <= gno && gno <= b);
  }

  isSubsetOf(other: GtidSet): boolean {
    for (const [uuid, intervals] of this.sids) {
      const theirs = other.sids.get(uuid) ?? [];
      if (!intervals.every(([a, b]) => theirs.some(([x, y]) => x <= a && b <= y))) return false;
    }
    return true;
  }

  union(other: GtidSet): GtidSet {
    const result = new GtidSet();
    for (const set of [this, other]) for (const [uuid, intervals] of set.sids) for (const [a, b] of intervals) result.add(uuid, a, b);
    return result;
  }

  /** As MySQL prints it: UUIDs in order, intervals 'a-b' or 'a'. */
  toString(): string {
    return [...this.sids.keys()].sort().map((uuid) => {
      const ranges = this.sids.get(uuid)!.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
      return `${uuid}:${ranges.join(':')}`;
    }).join(',');
  }
}

export function formatUuid(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
