/**
 * Which binlog position is safe to resume from. Transactions are tracked in binlog order with the
 * number of their changes not yet applied; the checkpoint is the start of the oldest transaction
 * that is not complete (read to its commit and every change applied), or, when none is pending, the
 * position after the last commit. Restarting there re-reads at most transactions whose changes the
 * destination's watermarks then recognize as applied.
 */
import type { BinlogPosition, ResumePoint } from '../change/position.ts';

export interface TrackedTransaction {
  readonly start: ResumePoint;
  pending: number;
  committed: boolean;
  /** Source commit time (seconds) of the transaction's events. */
  ts: number;
  /** Bucket → its last change in this transaction, when the caller tracks them (a reader that persists `prev`s). */
  lastInBucket?: Map<number, BinlogPosition>;
}

export class CheckpointTracker {
  /** Transactions from `head` on are open; the settled prefix is dropped in bulk (shift() is O(n)). */
  private open: TrackedTransaction[] = [];
  private head = 0;
  private after: ResumePoint;
  private lastAppliedTs = 0;

  /** `onSettled` sees each transaction as the checkpoint passes it, in binlog order. */
  constructor(start: ResumePoint, private readonly onSettled?: (tx: TrackedTransaction) => void) {
    this.after = start;
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
  commit(next: ResumePoint, ts: number): void {
    const tail = this.tail();
    if (tail && !tail.committed) {
      tail.committed = true;
      tail.ts = ts;
    } else {
      // A transaction with nothing to apply (another database's, the source heartbeat's) is complete
      // once read: with nothing pending before it, the copy is current as of its commit, which is what
      // keeps lag measurable while the selected tables are idle. Pending earlier ones take over the lag
      // until they settle, after it.
      this.lastAppliedTs = Math.max(this.lastAppliedTs, ts);
    }
    this.after = next;
    this.settle();
  }

  /** Between transactions (an idle heartbeat, a skipped event): reading has reached `next`. */
  idle(next: ResumePoint): void {
    const tail = this.tail();
    if (!tail || tail.committed) this.after = next;
  }

  /** `count` changes of `tx` were applied. */
  applied(tx: TrackedTransaction, count: number): void {
    tx.pending -= count;
    this.settle();
  }

  get checkpoint(): ResumePoint {
    return this.open[this.head]?.start ?? this.after;
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
      this.onSettled?.(tx);
    }
    if (this.head > 1024 && this.head * 2 > this.open.length) {
      this.open = this.open.slice(this.head);
      this.head = 0;
    }
  }
}
