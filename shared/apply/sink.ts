/**
 * The Sink port: applies change batches to a destination with the ordering, dedupe and exactly-once
 * rules of docs/architecture.md §3.3–§3.5. One adapter per destination kind, opened by its destination module.
 */
import { FcDtsError } from '../errors.ts';
import { formatPosition, type BinlogPosition } from '../change/position.ts';
import type { ChangeBatch, RowChange, TableRef } from '../change/change-event.ts';

/** DDL batches carry bucket -1: they have their own watermark. */
export const DDL_BUCKET = -1;

export interface DdlFailure {
  readonly sql: string;
  /** The destination's message. */
  readonly error: string;
  readonly pos: BinlogPosition;
}

export interface ApplyOutcome {
  /** `early`: the batch's `prev` is after the bucket's watermark; nothing was applied, redeliver it later. */
  readonly status: 'applied' | 'early';
  /** Changes written. */
  readonly applied: number;
  /** Changes at or below the watermark, skipped as replays. */
  readonly skipped: number;
  /** The bucket's watermark after this call (null: nothing applied yet). */
  readonly watermark: BinlogPosition | null;
  /** DDL statements the destination refused (the task goes on, as the product does). */
  readonly ddlFailures: readonly DdlFailure[];
}

export interface Sink {
  /**
   * Applies one batch. Safe to call again with the same batch, with re-cut batches, out of order and
   * concurrently: replays are skipped by the watermark, early batches are reported, not applied.
   */
  apply(batch: ChangeBatch): Promise<ApplyOutcome>;
  /** The last position applied in `bucket` (DDL_BUCKET for DDL), null when nothing has been. */
  watermark(bucket: number): Promise<BinlogPosition | null>;
  close(): Promise<void>;
}

/** A row change the destination refused; the caller applies the dirty-data policy. Applying the batch again is safe (it may be partly applied: the rows are idempotent). */
export class ApplyRejected extends FcDtsError {
  readonly pos: BinlogPosition;
  readonly table: TableRef;
  readonly op: RowChange['op'];
  /** The destination's message (or why the change could not be written at all). */
  readonly serverMessage: string;
  readonly errno: number | undefined;

  constructor(change: RowChange, cause: unknown) {
    const err = cause as { sqlMessage?: string; message?: string; errno?: number };
    const serverMessage = err.sqlMessage ?? err.message ?? String(cause);
    super(
      'LOAD_FAILED',
      `destination ${change.table.database}.${change.table.table} rejected the ${change.op} at binlog position ${formatPosition(change.pos)}: ${serverMessage}`,
      'fix the destination table (type, size or constraint), or set sync.dirtyData: skip to record such rows and go on',
      { cause },
    );
    this.pos = change.pos;
    this.table = change.table;
    this.op = change.op;
    this.serverMessage = serverMessage;
    this.errno = err.errno;
  }
}

