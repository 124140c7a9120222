/**
 * Which binlog position is safe to resume from. Transactions are tracked in binlog order with the
 * number of their changes not yet applied; the checkpoint is the start of the oldest transaction
 * that is not complete (read to its commit and every change applied), or, when none is pending, the
 * position after the last commit. Restarting there re-reads at most transactions whose changes the
 * destination's watermarks then recognize as applied.
 */
import type { BinlogPosition, ResumePoint, SourceCheckpoint, SourceIdentity } from '../change/position.ts';
import { GtidSet } from '../binlog/gtid-set.ts';

/**
 * The source a tracker's positions are on. `origin` is the start point's server; `current` the one
 * being read (another after a switchover, until the first position read from it replaces the start).
 */
export interface TrackedSource {
  readonly origin: SourceIdentity;
  readonly current: SourceIdentity;
  /** MySQL: the GTID set before the start point; the tracker adds each transaction the checkpoint passes. */
  readonly gtidExecuted?: string;
}

export interface TrackedTransaction {
  readonly start: ResumePoint;
  pending: number;
  committed: boolean;
  /** Source commit time (seconds) of the transaction's events. */
  ts: number;
  /** Bucket → its last change in this transaction, when the caller tracks them (a reader that persists `prev`s). */
  lastInBucket?: Map<number, BinlogPosition>;
  /** MySQL GTID of the transaction, once its commit was read. */
  gtid?: string;
}

export class CheckpointTracker {
  /** Transactions from `head` on are open; the settled prefix is dropped in bulk (shift() is O(n)). */
  private open: TrackedTransaction[] = [];
  private head = 0;
  private after: ResumePoint;
  private afterOn: SourceIdentity;
  private lastAppliedTs = 0;
  /** The MySQL GTIDs of every transaction before the checkpoint; undefined when not tracked. */
  private readonly executed: GtidSet | undefined;

  /** `onSettled` sees each transaction as the checkpoint passes it, in binlog order. */
  constructor(
    start: ResumePoint,
    private readonly onSettled?: (tx: TrackedTransaction) => void,
    private readonly source: TrackedSource = { origin: {}, current: {} },
  ) {
    this.after = start;
    this.afterOn = source.origin;
    this.executed = source.gtidExecuted === undefined ? undefined : GtidSet.parse(source.gtidExecuted);
  }

  /** The transaction an event with this start belongs to (the current one, or a new one). */
  transaction(start: ResumePoint, ts: number): TrackedTransaction {
    const tail = this.tail();
    if (tail && !tail.committed && tail.start.file === start.file && tail.start.offset === start.offset) return tail;
    const tx: TrackedTransaction = { start, pending: 0, committed: false, ts };
    this.open.push(tx);
    return tx;
  }

  /** The current transaction ended; reading resumes at `next` after it. */
  commit(next: ResumePoint, ts: number, gtid?: string): void {
    const tail = this.tail();
    if (tail && !tail.committed) {
      tail.committed = true;
      tail.ts = ts;
      if (gtid !== undefined) tail.gtid = gtid;
    } else if (gtid !== undefined && this.executed && this.pendingTransactions > 0) {
      // Nothing to apply, but behind a pending one: its GTID joins the set when the checkpoint passes it.
      this.open.push({ start: next, pending: 0, committed: true, ts, gtid });
    } else {
      if (gtid !== undefined) this.executed?.add(gtid);
      // A transaction with nothing to apply (another database's, the source heartbeat's) is complete
      // once read: with nothing pending before it, the copy is current as of its commit, which is what
      // keeps lag measurable while the selected tables are idle. Pending earlier ones take over the lag
      // until they settle, after it.
      this.lastAppliedTs = Math.max(this.lastAppliedTs, ts);
    }
    this.after = next;
    this.afterOn = this.source.current;
    this.settle();
  }

  /** Between transactions (an idle heartbeat, a skipped event): reading has reached `next`. */
  idle(next: ResumePoint): void {
    const tail = this.tail();
    if (!tail || tail.committed) {
      this.after = next;
      this.afterOn = this.source.current;
    }
  }

  /** `count` changes of `tx` were applied. */
  applied(tx: TrackedTransaction, count: number): void {
    tx.pending -= count;
    this.settle();
  }

  get checkpoint(): ResumePoint {
    return this.open[this.head]?.start ?? this.after;
  }

  /** The checkpoint with its server and, for MySQL, the GTID set before it: what a switchover resumes from. */
  get sourceCheckpoint(): SourceCheckpoint {
    const open = this.open[this.head];
    const on = open ? this.source.current : this.afterOn;
    return { ...(open?.start ?? this.after), ...on, ...(this.executed ? { gtidExecuted: this.executed.toString() } : {}) };
  }

  /** Whether reading has reached a position on the server being read (not only the start point of another). */
  get onCurrentSource(): boolean {
    return this.open.length > this.head || this.afterOn === this.source.current;
  }

  get pendingTransactions(): number {
    return this.open.length - this.head;
  }

  /** Commit time of the oldest transaction still pending, if any. */
  get oldestPendingTs(): number | undefined {
    return this.open[this.head]?.ts;
  }

  get lastCompletedTs(): number {
    return this.lastAppliedTs;
  }

  /** The position reading has reached (after the last commit seen). */
  get readThrough(): ResumePoint {
    return this.after;
  }

  private tail(): TrackedTransaction | undefined {
    return this.open.length > this.head ? this.open[this.open.length - 1] : undefined;
  }

  private settle(): void {
    while (this.head < this.open.length && this.open[this.head]!.committed && this.open[this.head]!.pending === 0) {
      const tx = this.open[this.head++]!;
      this.lastAppliedTs = Math.max(this.lastAppliedTs, tx.ts);
      if (tx.gtid !== undefined) this.executed?.add(tx.gtid);
      this.onSettled?.(tx);
    }
    if (this.head > 1024 && this.head * 2 > this.open.length) {
      this.open = this.open.slice(this.head);
      this.head = 0;
    }
  }
}
