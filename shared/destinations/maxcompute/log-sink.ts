/**
 * The Sink of a MaxCompute destination: a bucket's batch becomes entries of the `_log` tables
 * (log-rows.ts), one upload session per table and partition, committed exactly once through the
 * bucket's ledger (log-ledger.ts):
 *
 *   1. finish a commit a previous applier recorded and did not complete;
 *   2. skip the changes at or below the watermark (replays), report a batch whose `prev` is not applied yet as early;
 *   3. upload every session's block;
 *   4. record the sessions (compare-and-set: if another applier moved the bucket, drop ours uncommitted — they expire);
 *   5. commit each session, then move the watermark.
 *
 * A kill at any step leaves either no record (nothing committed: the batch is applied again) or a
 * recorded commit, which the next applier finishes: a session commits at most once and all of its
 * rows become visible together, so no log entry is written twice.
 */
import { isAfter, type BinlogPosition } from '../../change/position.ts';
import type { CellValue, ChangeBatch, RowChange } from '../../change/change-event.ts';
import { ApplyRejected, type ApplyOutcome, type Sink } from '../../apply/sink.ts';
import { FcDtsError } from '../../errors.ts';
import type { MaxComputeClient } from '../../maxcompute/maxcompute-client.ts';
import { commitOnce } from './commit-once.ts';
import type { MaxComputeRow, MaxComputeValue } from '../../maxcompute/maxcompute-types.ts';
import type { TunnelColumn } from '../../maxcompute/tunnel-record-codec.ts';
import type { LogLayout } from './maxcompute-schema.ts';
import { entriesByPartition, partitionSpec, type LogEntry, type PartitionEntries } from './log-rows.ts';
import type { BucketLedger, LogLedger, LogSession, PendingCommit } from './log-ledger.ts';
import { UnwritableValue } from './maxcompute-values.ts';

/** A `_log` table as the sink writes it. */
export interface LogTable {
  readonly name: string;
  /** The record stream's columns: the additional ones, then the source columns (destination names). */
  readonly columns: readonly TunnelColumn[];
  readonly partitionKeys: readonly string[];
  /** One per source column, in `columns` order after the five additional ones. */
  readonly sourceColumns: ReadonlyArray<{ readonly name: string; readonly write: (v: CellValue) => MaxComputeValue }>;
}

export interface LogSinkOptions {
  readonly client: MaxComputeClient;
  readonly ledger: LogLedger;
  readonly layout: LogLayout;
  /** The log table of each destination table, by `database.table`. */
  readonly tables: ReadonlyMap<string, LogTable>;
}

/** Why a recorded commit can be found with its session expired. */
const RESUMED_LATE = 'a recorded commit was resumed more than a day after it was made; fc-dts does not yet probe the log table for its rows: report this with the task state';

export class MaxComputeLogSink implements Sink {
  constructor(private readonly options: LogSinkOptions) {}

  async apply(batch: ChangeBatch): Promise<ApplyOutcome> {
    const seen = await this.settled(batch.bucket);
    if (batch.prev !== null && isAfter(batch.prev, seen.watermark)) return outcome('early', 0, 0, seen.watermark);
    const fresh = batch.changes.filter((c): c is RowChange => c.kind === 'row' && isAfter(c.pos, seen.watermark));
    const skipped = batch.changes.length - fresh.length;
    const through = batch.through ?? batch.changes.at(-1)!.pos;
    if (fresh.length === 0) {
      if (isAfter(through, seen.watermark) && !(await this.options.ledger.advance(batch.bucket, seen, through))) return outcome('early', 0, 0, seen.watermark);
      return outcome('applied', 0, skipped, through);
    }
    const groups = entriesByPartition(fresh, this.options.layout.partitionFields, (c) => this.table(c).name);
    const sessions = await this.upload(groups);
    const pending: PendingCommit = { through, sessions, entries: groups.reduce((n, g) => n + g.entries.length, 0) };
    // Another applier moved the bucket meanwhile: ours are dropped uncommitted (they expire), and the
    // batch is looked at again once that one is done.
    if (!(await this.options.ledger.begin(batch.bucket, seen, pending))) return outcome('early', 0, 0, seen.watermark);
    await this.complete(batch.bucket, { ...seen, version: (seen.version ?? 0) + 1, pending }, true);
    return outcome('applied', fresh.length, skipped, through);
  }

  async watermark(bucket: number): Promise<BinlogPosition | null> {
    return (await this.settled(bucket)).watermark;
  }

  async close(): Promise<void> {}

  /** The bucket's ledger with no commit pending: one found is finished first. */
  private async settled(bucket: number): Promise<BucketLedger> {
    for (;;) {
      const seen = await this.options.ledger.read(bucket);
      if (!seen.pending) return seen;
      await this.complete(bucket, seen);
    }
  }

  /** Commits every session of the pending commit that is not committed yet, then moves the watermark. `fresh`: this applier just recorded it. */
  private async complete(bucket: number, seen: BucketLedger, fresh = false): Promise<void> {
    for (const session of seen.pending!.sessions) await this.commit(session, fresh);
    // A false answer: another applier finished it first, which is the same outcome.
    await this.options.ledger.finish(bucket, seen);
  }

  private commit(s: LogSession, fresh: boolean): Promise<void> {
    return commitOnce(this.options.client.tunnel, { table: s.table, partition: s.partition }, s.uploadId, RESUMED_LATE, fresh);
  }

  /** An upload session per group, its rows in block 0. */
  private async upload(groups: readonly PartitionEntries[]): Promise<LogSession[]> {
    const sessions: LogSession[] = [];
    for (const g of groups) {
      // Every entry of a group is of one table: its first names it.
      const table = this.table(g.entries[0]!.change);
      const partition = partitionSpec(table.partitionKeys, g.partition);
      const target = { table: table.name, partition };
      const rows = g.entries.map((e) => this.row(table, e));
      const session = await this.options.client.tunnel.createUpload(target, { createPartition: true });
      await this.options.client.tunnel.putBlock(target, session.uploadId, 0, table.columns, () => rows);
      sessions.push({ table: table.name, partition, uploadId: session.uploadId });
    }
    return sessions;
  }

  private row(table: LogTable, e: LogEntry): MaxComputeRow {
    const values: MaxComputeValue[] = [e.recordId, e.operation, e.utcTimestamp, e.beforeFlag, e.afterFlag];
    for (const c of table.sourceColumns) {
      const v = e.image[c.name];
      if (v === undefined) throw new FcDtsError('LOAD_FAILED', `MaxCompute table ${table.name}: log entry ${e.recordId} has no value for column ${c.name}`, 'report this: the change was built without the column');
      try {
        values.push(c.write(v));
      } catch (err) {
        // The dirty-data policy decides: the batch is applied again without the change, or the task stops at it.
        if (err instanceof UnwritableValue) throw new ApplyRejected(e.change, new UnwritableValue(`column ${c.name}: ${err.message}`));
        throw err;
      }
    }
    return values;
  }

  private table(c: RowChange): LogTable {
    const t = this.options.tables.get(`${c.table.database}.${c.table.table}`);
    if (!t) throw new FcDtsError('LOAD_FAILED', `no MaxCompute log table for ${c.table.database}.${c.table.table}`, 'report this: the table is not in the task');
    return t;
  }
}

function outcome(status: ApplyOutcome['status'], applied: number, skipped: number, watermark: BinlogPosition | null): ApplyOutcome {
  return { status, applied, skipped, watermark, ddlFailures: [] };
}

