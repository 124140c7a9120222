/**
 * A MySQL GTID set (`3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,…`): per source UUID, the
 * transaction numbers in it as closed intervals. What @@GLOBAL.gtid_executed prints, what a
 * checkpoint keeps, and what COM_BINLOG_DUMP_GTID sends (MySQL sql/rpl_gtid_set.cc, Gtid_set::encode:
 * the number of UUIDs, then per UUID its 16 bytes, the number of intervals and each interval as
 * start and exclusive end, all 8-byte little-endian).
 */
import { FcDtsError } from '../errors.ts';

type Interval = [first: number, last: number];

export class GtidSet {
  /** UUID (lowercase) → sorted, disjoint, non-adjacent intervals. */
  private readonly sets = new Map<string, Interval[]>();

  static parse(text: string): GtidSet {
    const set = new GtidSet();
    for (const part of text.replace(/\s+/g, '').split(',')) {
      if (part === '') continue;
      const [uuid, ...ranges] = part.split(':');
      if (!UUID.test(uuid!) || ranges.length === 0) throw invalidGtidSet(text, `"${part}" is not uuid:interval[:interval…]`);
      for (const range of ranges) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(range);
        if (!m) throw invalidGtidSet(text, `"${range}" of ${uuid} is not a transaction number or range (tagged GTIDs are not supported)`);
        const first = Number(m[1]);
        const last = m[2] === undefined ? first : Number(m[2]);
        if (first < 1 || last < first) throw invalidGtidSet(text, `"${range}" of ${uuid} is an empty range`);
        set.addRange(uuid!.toLowerCase(), first, last);
      }
    }
    return set;
  }

  get isEmpty(): boolean {
    return this.sets.size === 0;
  }

  /** Adds one transaction (`uuid:number`). */
  add(gtid: string): void {
    const at = gtid.lastIndexOf(':');
    const uuid = gtid.slice(0, at).toLowerCase();
    const number = Number(gtid.slice(at + 1));
    if (!UUID.test(uuid) || !Number.isSafeInteger(number) || number < 1) throw invalidGtidSet(gtid, 'not a GTID (uuid:number)');
    this.addRange(uuid, number, number);
  }

  has(gtid: string): boolean {
    const at = gtid.lastIndexOf(':');
    const number = Number(gtid.slice(at + 1));
    return (this.sets.get(gtid.slice(0, at).toLowerCase()) ?? []).some(([f, l]) => number >= f && number <= l);
  }

  clone(): GtidSet {
    const copy = new GtidSet();
    for (const [uuid, intervals] of this.sets) copy.sets.set(uuid, intervals.map(([f, l]) => [f, l]));
    return copy;
  }

  /** The text MySQL prints: UUIDs in order, intervals joined by ':'. */
  toString(): string {
    return [...this.sets.keys()]
      .sort()
      .map((uuid) => `${uuid}:${this.sets.get(uuid)!.map(([f, l]) => (f === l ? `${f}` : `${f}-${l}`)).join(':')}`)
      .join(',');
  }

  encode(): Buffer {
    const uuids = [...this.sets.keys()].sort();
    const size = 8 + uuids.reduce((n, u) => n + 16 + 8 + 16 * this.sets.get(u)!.length, 0);
    const out = Buffer.alloc(size);
    let at = Number(out.writeBigUInt64LE(BigInt(uuids.length), 0));
    for (const uuid of uuids) {
      at += Buffer.from(uuid.replace(/-/g, ''), 'hex').copy(out, at);
      const intervals = this.sets.get(uuid)!;
      at = out.writeBigUInt64LE(BigInt(intervals.length), at);
      for (const [first, last] of intervals) {
        at = out.writeBigUInt64LE(BigInt(first), at);
        at = out.writeBigUInt64LE(BigInt(last + 1), at);
      }
    }
    return out;
  }

  private addRange(uuid: string, first: number, last: number): void {
    const known = this.sets.get(uuid);
    const tail = known?.at(-1);
    // The common case, a primary's next transaction: extend the last interval in place.
    if (tail && first >= tail[0] && first <= tail[1] + 1) {
      tail[1] = Math.max(tail[1], last);
      return;
    }
    const merged: Interval[] = [];
    let [f, l] = [first, last];
    for (const [a, b] of this.sets.get(uuid) ?? []) {
      if (b + 1 < f || a > l + 1) merged.push([a, b]);
      else [f, l] = [Math.min(a, f), Math.max(b, l)];
    }
    merged.push([f, l]);
    merged.sort((x, y) => x[0] - y[0]);
    this.sets.set(uuid, merged);
  }
}

/** COM_BINLOG_DUMP_GTID's encoding of a GTID set's text. */
export function encodeGtidSet(text: string): Buffer {
  return GtidSet.parse(text).encode();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalidGtidSet(text: string, why: string): FcDtsError {
  return new FcDtsError('STATE_INVALID', `GTID set "${text}" is not valid: ${why}`, 'give a GTID set as @@GLOBAL.gtid_executed prints it (uuid:1-5,uuid:1-3)');
}
