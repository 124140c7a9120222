/**
 * Buckets and batches (docs/architecture.md §3.2): each row change goes to the bucket of hash(table, key), so the
 * changes of one row stay in one bucket in binlog order; a bucket's batch is closed at a number of
 * changes, a number of bytes or an age, and carries `prev`, the position of the last change the
 * batcher sent to that bucket before it.
 *
 * A batch holding `ordered` changes (a table with unique keys beside its key, §3.13) is not closed
 * inside a source transaction, so a destination reader does not see half of a swap of unique values,
 * unless it grows to HOLD_LIMIT times the limits: memory stays bounded whatever the transaction size.
 */
import type { CellValue, ChangeBatch, Row, RowChange, TableRef } from '../change/change-event.ts';
import type { BinlogPosition } from '../change/position.ts';

export interface BatchLimits {
  readonly changes: number;
  readonly bytes: number;
  /** A batch older than this is closed at the next `due` call. */
  readonly ms: number;
}

interface OpenBatch {
  changes: RowChange[];
  bytes: number;
  opened: number;
  /** It holds `ordered` changes: kept open until the source transaction ends. */
  ordered: boolean;
}

/** How far past its limits an ordered batch may grow while it waits for the end of the transaction. */
const HOLD_LIMIT = 8;

/** `age`: batches past the age limit; `idle`: all, as the reader has nothing buffered; `all`: all, ordered ones inside a transaction too. */
export type DueMode = 'age' | 'idle' | 'all';

export class Batcher {
  private readonly open = new Map<number, OpenBatch>();
  private readonly lastSent: Map<number, BinlogPosition>;
  /** A source transaction is being read (rows seen, its commit not yet). */
  private inTransaction = false;

  /** `lastSent`: per bucket, the last position sent before this batcher (a reader resuming from a saved position). */
  constructor(readonly buckets: number, private readonly limits: BatchLimits, lastSent?: ReadonlyMap<number, BinlogPosition>) {
    this.lastSent = new Map(lastSent);
  }

  /** Adds a change (`bucket`: its bucket when the caller has computed it); returns the batch it closed, if any. */
  add(change: RowChange, bucket = bucketOf(change, this.buckets)): ChangeBatch | undefined {
    let b = this.open.get(bucket);
    if (!b) {
      b = { changes: [], bytes: 0, opened: Date.now(), ordered: false };
      this.open.set(bucket, b);
    }
    b.changes.push(change);
    b.bytes += changeBytes(change);
    if (change.ordered) b.ordered = true;
    this.inTransaction = true;
    const { changes, bytes } = this.limits;
    if (b.changes.length < changes && b.bytes < bytes) return undefined;
    if (b.ordered && b.changes.length < changes * HOLD_LIMIT && b.bytes < bytes * HOLD_LIMIT) return undefined;
    return this.close(bucket);
  }

  /** The source transaction ended: the ordered batches it kept open past their limits close. */
  endTransaction(): ChangeBatch[] {
    this.inTransaction = false;
    const out: ChangeBatch[] = [];
    for (const [bucket, b] of this.open) if (b.ordered && (b.changes.length >= this.limits.changes || b.bytes >= this.limits.bytes)) out.push(this.close(bucket));
    return out;
  }

  /** Closes the batches that are due (DueMode); ordered ones stay open inside a source transaction except for `all`. */
  due(mode: DueMode = 'age'): ChangeBatch[] {
    const now = Date.now();
    const out: ChangeBatch[] = [];
    for (const [bucket, b] of this.open) {
      if (b.ordered && this.inTransaction && mode !== 'all') continue;
      if (mode !== 'age' || now - b.opened >= this.limits.ms) out.push(this.close(bucket));
    }
    return out;
  }

  /** Per bucket, the position of the last change in a closed batch. */
  get sent(): ReadonlyMap<number, BinlogPosition> {
    return this.lastSent;
  }

  get pendingChanges(): number {
    let n = 0;
    for (const b of this.open.values()) n += b.changes.length;
    return n;
  }

  private close(bucket: number): ChangeBatch {
    const b = this.open.get(bucket)!;
    this.open.delete(bucket);
    const batch: ChangeBatch = { bucket, prev: this.lastSent.get(bucket) ?? null, changes: b.changes };
    this.lastSent.set(bucket, b.changes.at(-1)!.pos);
    return batch;
  }
}

/**
 * The bucket of a row: a stable hash (FNV-1a) of the destination table and the key values. An
 * `ordered` table's changes (unique keys beside the key) all go to its table's bucket, in binlog order.
 */
export function bucketOf(change: RowChange, buckets: number): number {
  if (change.ordered) return (tableHash(change.table) >>> 0) % buckets;
  const img = change.after ?? change.before!;
  // FNV-1a of `db.table` then `\0` + the cell text of each key value, fed piecewise (no joined string).
  let h = tableHash(change.table);
  for (const k of change.key) h = fnv(fnv(h, '\0'), cellText(img[k] ?? null));
  return (h >>> 0) % buckets;
}

const FNV_OFFSET = 0x811c9dc5;
const tableHashes = new WeakMap<TableRef, number>();

function tableHash(t: TableRef): number {
  let h = tableHashes.get(t);
  if (h === undefined) {
    h = fnv(FNV_OFFSET, `${t.database}.${t.table}`);
    tableHashes.set(t, h);
  }
  return h;
}

function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}

function cellText(v: CellValue): string {
  if (v === null) return '\u0001';
  if (typeof v !== 'object') return typeof v === 'number' ? `#${v}` : `s${v}`;
  return 'n' in v ? `#${v.n}` : `b${v.b}`;
}

/** Approximate size of a change (values' text lengths): the unit of batch and MB/s limits. */
export function changeBytes(change: RowChange): number {
  return rowBytes(change.before) + rowBytes(change.after) + 64;
}

function rowBytes(r: Row | undefined): number {
  if (!r) return 0;
  let n = 0;
  for (const k in r) {
    const v = r[k]!;
    n += typeof v === 'string' ? v.length : v === null || typeof v === 'number' ? 8 : 'n' in v ? v.n.length : v.b.length;
  }
  return n;
}
