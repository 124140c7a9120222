/**
 * What a bucket has committed to the `_log` tables, kept in the state store (BucketRecords) because
 * MaxCompute cannot keep it beside the rows: the bucket's watermark, and the upload sessions of the
 * batch being committed. A batch's sessions are recorded before the first is committed (write-ahead),
 * and the watermark moves once all are; whoever finds a recorded batch finishes it — reload each
 * session, commit the ones still open — before anything else. The record is written by
 * compare-and-set, so of two appliers of a bucket only one commits a batch.
 */
import { isAfter, type BinlogPosition } from '../../change/position.ts';
import type { BucketRecords } from '../../state/state-store.ts';

export interface LogSession {
  /** The `_log` table. */
  readonly table: string;
  /** Its partition spec, `k1=v1,k2=v2`. */
  readonly partition: string;
  readonly uploadId: string;
  /** The record id of one of its entries: a session commits all of its rows or none, so that one tells once the session cannot. */
  readonly probe?: string;
}

/**
 * A recorded commit some of whose sessions were lost uncommitted (found expired, then not in the table):
 * its changes are applied again, except those whose entries a committed session already holds.
 */
export interface Redo {
  /** The last of `committed`'s ends: past it, nothing is held. */
  readonly through: BinlogPosition;
  /** The committed sessions' tables and partitions, each holding its changes up to `through`. */
  readonly committed: ReadonlyArray<{ readonly table: string; readonly partition: string; readonly through: BinlogPosition }>;
}

export interface PendingCommit {
  /** Where the bucket's watermark moves once every session is committed. */
  readonly through: BinlogPosition;
  readonly sessions: readonly LogSession[];
  /** Log entries the sessions hold. */
  readonly entries: number;
}

/** What a bucket has committed to the log since the task began (for `fc-dts status`). */
export interface LogTotals {
  readonly entries: number;
  readonly commits: number;
  /** Upload sessions committed: each is a file in the partition it writes. */
  readonly sessions: number;
  readonly lastCommit?: string;
}

export interface BucketLedger {
  /** The record's version (undefined: no record yet). */
  readonly version: number | undefined;
  readonly watermark: BinlogPosition | null;
  readonly pending?: PendingCommit;
  readonly redo?: Redo;
  readonly totals: LogTotals;
}

interface Stored {
  readonly watermark: BinlogPosition | null;
  readonly pending?: PendingCommit;
  readonly redo?: Redo;
  readonly totals?: LogTotals;
}

const NO_TOTALS: LogTotals = { entries: 0, commits: 0, sessions: 0 };

const RECORD = 'maxcompute-log';

export class LogLedger {
  constructor(private readonly records: BucketRecords) {}

  async read(bucket: number): Promise<BucketLedger> {
    const record = await this.records.getBucketRecord(RECORD, bucket);
    if (!record) return { version: undefined, watermark: null, totals: NO_TOTALS };
    const stored = JSON.parse(record.value) as Stored;
    return { version: record.version, watermark: stored.watermark, ...(stored.pending ? { pending: stored.pending } : {}), ...(stored.redo ? { redo: stored.redo } : {}), totals: stored.totals ?? NO_TOTALS };
  }

  /** Records the sessions about to be committed; false when the record is no longer `seen` (another applier moved it). */
  begin(bucket: number, seen: BucketLedger, pending: PendingCommit): Promise<boolean> {
    if (seen.pending) throw new RangeError(`bucket ${bucket}: a commit is already pending`);
    return this.write(bucket, seen, { watermark: seen.watermark, pending, ...redoOf(seen.redo, seen.watermark), totals: seen.totals });
  }

  /** The pending commit is done: the watermark moves to its end. False when the record is no longer `seen`. */
  finish(bucket: number, seen: BucketLedger): Promise<boolean> {
    const done = seen.pending;
    if (!done) throw new RangeError(`bucket ${bucket}: no commit is pending`);
    const t = seen.totals;
    const totals = { entries: t.entries + done.entries, commits: t.commits + 1, sessions: t.sessions + done.sessions.length, lastCommit: new Date().toISOString() };
    return this.write(bucket, seen, { watermark: done.through, ...redoOf(seen.redo, done.through), totals });
  }

  /**
   * The pending commit cannot be finished: the sessions in `committed` hold their rows, the others were
   * lost. The watermark stays, and the changes are applied again but for what `committed` holds.
   */
  abandon(bucket: number, seen: BucketLedger, committed: readonly LogSession[]): Promise<boolean> {
    const lost = seen.pending;
    if (!lost) throw new RangeError(`bucket ${bucket}: no commit is pending`);
    const kept = [...(seen.redo?.committed ?? []), ...committed.map((s) => ({ table: s.table, partition: s.partition, through: lost.through }))];
    const through = seen.redo && isAfter(seen.redo.through, lost.through) ? seen.redo.through : lost.through;
    return this.write(bucket, seen, { watermark: seen.watermark, redo: { through, committed: kept }, totals: seen.totals });
  }

  /** Moves the watermark with nothing to commit (a batch of replays only). */
  advance(bucket: number, seen: BucketLedger, to: BinlogPosition): Promise<boolean> {
    if (seen.pending) throw new RangeError(`bucket ${bucket}: a commit is pending`);
    return this.write(bucket, seen, { watermark: to, ...redoOf(seen.redo, to), totals: seen.totals });
  }

  private write(bucket: number, seen: BucketLedger, next: Stored): Promise<boolean> {
    return this.records.putBucketRecord(RECORD, bucket, seen.version, JSON.stringify(next));
  }
}

/** The redo kept while the watermark is short of its end. */
function redoOf(redo: Redo | undefined, watermark: BinlogPosition | null): { redo?: Redo } {
  return redo && isAfter(redo.through, watermark) ? { redo } : {};
}
