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
import type { CellValue, ChangeBatch, DdlChange, RowChange } from '../../change/change-event.ts';
import { ApplyRejected, type ApplyOutcome, type DdlFailure, type Sink } from '../../apply/sink.ts';
import type { MaxComputeClient } from '../../maxcompute/maxcompute-client.ts';
import { FcDtsError } from '../../errors.ts';
import { MaxComputeError } from '../../maxcompute/maxcompute-errors.ts';
import { readAddColumns } from '../../mysql/alter-add-columns.ts';
import type { LogTables } from './log-tables.ts';
import { commitOnce, UploadSessionGone } from './commit-once.ts';
import type { MaxComputeRow, MaxComputeValue } from '../../maxcompute/maxcompute-types.ts';
import type { TunnelColumn } from '../../maxcompute/tunnel-record-codec.ts';
import type { LogLayout } from './maxcompute-schema.ts';
import { entriesByPartition, partitionSpec, type LogEntry, type PartitionEntries } from './log-rows.ts';
import type { BucketLedger, LogLedger, LogSession, PendingCommit, Redo } from './log-ledger.ts';
import { additionalNames, partitionValues } from './maxcompute-table.ts';
import { quoteName } from './merge-sql.ts';
import { UnwritableValue } from './maxcompute-values.ts';

/** A `_log` table as the sink writes it. */
export interface LogTable {
  readonly name: string;
  /** The record stream's columns: the additional ones, then the source columns (destination names). */
  readonly columns: readonly TunnelColumn[];
  readonly partitionKeys: readonly string[];
  /** One per data column, in `columns` order after the five additional ones: the image column it takes (NULL when the image lacks it) and its writer. */
  readonly sourceColumns: ReadonlyArray<{ readonly name: string; readonly write: (v: CellValue) => MaxComputeValue }>;
}

export interface LogSinkOptions {
  readonly client: MaxComputeClient;
  readonly ledger: LogLedger;
  readonly layout: LogLayout;
  readonly tables: LogTables;
}

/** Why a recorded commit without a probe (written by an older fc-dts) cannot be resolved once its session is gone. */
const RESUMED_LATE = 'the commit was recorded without a probe entry, so its rows cannot be looked for: check the _log table for the batch\'s record ids by hand, then remove the bucket\'s record from the state';

export class MaxComputeLogSink implements Sink {
  constructor(private readonly options: LogSinkOptions) {}

  async apply(batch: ChangeBatch): Promise<ApplyOutcome> {
    const seen = await this.settled(batch.bucket);
    if (batch.prev !== null && isAfter(batch.prev, seen.watermark)) return outcome('early', 0, 0, seen.watermark);
    const through = batch.through ?? batch.changes.at(-1)!.pos;
    const ddl = batch.changes.filter((c): c is DdlChange => c.kind === 'ddl' && isAfter(c.pos, seen.watermark));
    const ddlFailures: DdlFailure[] = [];
    for (const d of ddl) await this.applyDdl(d, ddlFailures);
    const rows = batch.changes.filter((c): c is RowChange => c.kind === 'row' && isAfter(c.pos, seen.watermark));
    const tables = await this.tablesOf(rows);
    const redo = seen.redo;
    const fresh = redo ? rows.filter((c) => !this.heldBy(redo, c, tables.get(c)!)) : rows;
    const skipped = batch.changes.length - fresh.length - ddl.length;
    if (fresh.length === 0) {
      if (isAfter(through, seen.watermark) && !(await this.options.ledger.advance(batch.bucket, seen, through))) return outcome('early', 0, 0, seen.watermark);
      return outcome('applied', ddl.length - ddlFailures.length, skipped, through, ddlFailures);
    }
    const groups = entriesByPartition(fresh, this.options.layout.partitionFields, (c) => tables.get(c)!.name);
    const sessions = await this.upload(groups, tables);
    const pending: PendingCommit = { through, sessions, entries: groups.reduce((n, g) => n + g.entries.length, 0) };
    // Another applier moved the bucket meanwhile: ours are dropped uncommitted (they expire), and the
    // batch is looked at again once that one is done.
    if (!(await this.options.ledger.begin(batch.bucket, seen, pending))) return outcome('early', 0, 0, seen.watermark);
    await this.complete(batch.bucket, { ...seen, version: (seen.version ?? 0) + 1, pending }, true);
    return outcome('applied', fresh.length, skipped, through);
  }

  /**
   * ADD COLUMN on the source, applied to `_base` and `_log` (the DDL policy passes no other statement).
   * A statement MaxCompute refuses (1,200 columns reached) is reported and the task goes on, as for
   * MySQL destinations; a transient failure is retried with the batch.
   */
  private async applyDdl(d: DdlChange, failures: DdlFailure[]): Promise<void> {
    const read = readAddColumns(d.sql);
    if (!('columns' in read)) throw new FcDtsError('LOAD_FAILED', `a MaxCompute destination was sent a DDL it does not apply (${read.refusal}): ${d.sql}`, 'report this: the DDL policy should have refused it');
    try {
      for (const table of d.tables) await this.options.tables.addColumns(table, read.columns);
    } catch (e) {
      if (!(e instanceof MaxComputeError) || e.transient) throw e;
      failures.push({ sql: d.sql, error: e.message, pos: d.pos });
    }
  }

  /** The `_log` table of each change (read again where a change has a column the table lacked). */
  private async tablesOf(changes: readonly RowChange[]): Promise<Map<RowChange, LogTable>> {
    const out = new Map<RowChange, LogTable>();
    for (const c of changes) out.set(c, await this.options.tables.of(c));
    return out;
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

  /**
   * Commits every session of the pending commit that is not committed yet, then moves the watermark.
   * Sessions lost uncommitted (gone after their 24 h) leave the changes to be applied again but for the
   * committed sessions' entries (log-ledger.ts Redo). `fresh`: this applier just recorded it.
   */
  private async complete(bucket: number, seen: BucketLedger, fresh = false): Promise<void> {
    const committed: LogSession[] = [];
    for (const session of seen.pending!.sessions) if (await this.commit(session, fresh)) committed.push(session);
    // A false answer: another applier resolved it first, which is the same outcome.
    if (committed.length === seen.pending!.sessions.length) await this.options.ledger.finish(bucket, seen);
    else await this.options.ledger.abandon(bucket, seen, committed);
  }

  /** True once the session's rows are in the table: committed now or before; false when it was lost uncommitted. */
  private async commit(s: LogSession, fresh: boolean): Promise<boolean> {
    try {
      await commitOnce(this.options.client.tunnel, { table: s.table, partition: s.partition }, s.uploadId, RESUMED_LATE, fresh);
      return true;
    } catch (e) {
      if (!(e instanceof UploadSessionGone) || s.probe === undefined) throw e;
      return this.holds(s);
    }
  }

  /** Whether the session's probe entry is in its partition: a commit makes all of a session's rows visible or none. */
  private async holds(s: LogSession): Promise<boolean> {
    const recordId = additionalNames(this.options.layout.additionalColumnRule, this.options.layout.partitionFields).columns[0]!;
    const partition = s.partition.split(',').map((kv) => {
      const eq = kv.indexOf('=');
      return `${quoteName(kv.slice(0, eq))} = '${kv.slice(eq + 1)}'`;
    });
    const sql = `SELECT COUNT(*) FROM ${quoteName(s.table)} WHERE ${[...partition, `${quoteName(recordId)} = ${s.probe}`].join(' AND ')};`;
    const { rows } = await this.options.client.sql.query(sql);
    return Number(rows[0]?.[0]) > 0;
  }

  /** The change's entries are in the log already: a committed session of a commit that was applied again holds them. */
  private heldBy(redo: Redo, c: RowChange, table: LogTable): boolean {
    if (isAfter(c.pos, redo.through)) return false;
    const partition = partitionSpec(table.partitionKeys, partitionValues(c.ts, this.options.layout.partitionFields));
    return redo.committed.some((x) => x.table === table.name && x.partition === partition && !isAfter(c.pos, x.through));
  }

  /** An upload session per group, its rows in block 0. */
  private async upload(groups: readonly PartitionEntries[], tables: ReadonlyMap<RowChange, LogTable>): Promise<LogSession[]> {
    const sessions: LogSession[] = [];
    for (const g of groups) {
      // Every entry of a group is of one table: its first names it.
      const table = tables.get(g.entries[0]!.change)!;
      const partition = partitionSpec(table.partitionKeys, g.partition);
      const target = { table: table.name, partition };
      const rows = g.entries.map((e) => this.row(table, e));
      const session = await this.options.client.tunnel.createUpload(target, { createPartition: true });
      await this.options.client.tunnel.putBlock(target, session.uploadId, 0, table.columns, () => rows);
      sessions.push({ table: table.name, partition, uploadId: session.uploadId, probe: String(g.entries[0]!.recordId) });
    }
    return sessions;
  }

  private row(table: LogTable, e: LogEntry): MaxComputeRow {
    const values: MaxComputeValue[] = [e.recordId, e.operation, e.utcTimestamp, e.beforeFlag, e.afterFlag];
    for (const c of table.sourceColumns) {
      try {
        values.push(c.write(e.image[c.name] ?? null));
      } catch (err) {
        // The dirty-data policy decides: the batch is applied again without the change, or the task stops at it.
        if (err instanceof UnwritableValue) throw new ApplyRejected(e.change, new UnwritableValue(`column ${c.name}: ${err.message}`));
        throw err;
      }
    }
    return values;
  }
}

function outcome(status: ApplyOutcome['status'], applied: number, skipped: number, watermark: BinlogPosition | null, ddlFailures: readonly DdlFailure[] = []): ApplyOutcome {
  return { status, applied, skipped, watermark, ddlFailures };
}

