/**
 * The Tablestore sink: applies change batches to Tablestore tables exactly once in effect (docs/architecture.md §3.5).
 *
 * Tablestore has no transactions across rows, so the rows of a batch and its watermark cannot land
 * together. They do not need to: rows are written first — each an idempotent put, update of full
 * values or delete (tablestore-row-writes.ts) — and the bucket's watermark moves after every row
 * succeeded. A crash in between replays the batch's changes above the old watermark, in order, which
 * ends in the same rows.
 *
 * Watermarks live in the destination instance, table `fc_dts_watermarks` (task, bucket). A standalone
 * run is the only writer of its buckets and keeps them cached. Where other processes may apply the
 * same bucket (the serverless apply-changes instances, with at-least-once queue delivery), each batch
 * first claims its bucket with a conditional update that also returns the watermark, and releases it
 * with the new watermark; a claim outlives any function timeout, so a stalled writer is dead before
 * its claim can pass to another.
 */
import TableStore from 'tablestore';
import type { ChangeBatch, RowChange } from '../../change/change-event.ts';
import { comparePositions, isAfter, type BinlogPosition } from '../../change/position.ts';
import { FcDtsError } from '../../errors.ts';
import { retryTransient } from '../../tablestore/tablestore-errors.ts';
import type { TablestoreDestinationConfig } from './config.ts';
import { ApplyRejected, DDL_BUCKET, type ApplyOutcome, type Sink } from '../../apply/sink.ts';
import { ensureTable, openTablestoreClient, tablestoreFailure } from '../../tablestore/tablestore-client.ts';
import { plannedWrites, UnwritableChange } from './tablestore-row-writes.ts';
import type { TablestoreTable } from './tablestore-table.ts';
import { TablestoreWriter, type WriterStats } from './tablestore-writer.ts';

export const WATERMARK_TABLE = 'fc_dts_watermarks';

const { Long, Condition, RowExistenceExpectation: Expect, SingleColumnCondition, CompositeCondition, ComparatorType, LogicalOperator, ReturnType } = TableStore;

export interface TablestoreSinkOptions {
  readonly taskName: string;
  readonly tables: readonly TablestoreTable[];
  /** How long transient Tablestore failures are retried (advanced.retry.otherMinutes). */
  readonly retryMs: number;
  /** Other processes may apply the same buckets: claim each bucket per batch, for at most `claimMs`. */
  readonly shared?: { readonly owner: string; readonly claimMs: number };
}

export class TablestoreSink implements Sink {
  private readonly tables: ReadonlyMap<string, TablestoreTable>;
  /** Standalone only: the watermark of each bucket this process has read or written. */
  private readonly cached = new Map<number, BinlogPosition | null>();
  /** Shared only: when this process's claim of a bucket runs out. */
  private readonly claimedUntil = new Map<number, number>();

  private constructor(
    private readonly client: TableStore.Client,
    private readonly config: TablestoreDestinationConfig,
    private readonly options: TablestoreSinkOptions,
    private readonly writer: TablestoreWriter,
  ) {
    this.tables = new Map(options.tables.map((t) => [t.name, t]));
  }

  static async open(config: TablestoreDestinationConfig, options: TablestoreSinkOptions): Promise<TablestoreSink> {
    const client = openTablestoreClient(config);
    await ensureTable(client, WATERMARK_TABLE, [{ name: 'task', type: 'STRING' }, { name: 'bucket', type: 'INTEGER' }], options.retryMs);
    const writer = new TablestoreWriter(client, { concurrency: config.concurrency, queueSize: config.queueSize, retryMs: options.retryMs });
    return new TablestoreSink(client, config, options, writer);
  }

  /** Requests and rows written so far (the benchmark's cost figure). */
  get stats(): WriterStats {
    return this.writer.stats;
  }

  async apply(batch: ChangeBatch): Promise<ApplyOutcome> {
    const claim = this.options.shared ? await this.claim(batch.bucket) : { watermark: await this.cachedWatermark(batch.bucket) };
    if (claim === 'busy') return { status: 'early', applied: 0, skipped: 0, watermark: null, ddlFailures: [] };
    const wm = claim.watermark;
    let released = false;
    try {
      if (batch.prev !== null && isAfter(batch.prev, wm)) return { status: 'early', applied: 0, skipped: 0, watermark: wm, ddlFailures: [] };
      // DDL batches carry no rows Tablestore takes (the validator turns sync.ddl off): only their watermark moves.
      const pending = batch.bucket === DDL_BUCKET ? [] : (batch.changes as readonly RowChange[]).filter((c) => isAfter(c.pos, wm));
      const skipped = batch.changes.length - pending.length;
      const through = batch.through ?? batch.changes.at(-1)?.pos;
      if (through === undefined || !isAfter(through, wm)) return { status: 'applied', applied: 0, skipped, watermark: wm, ddlFailures: [] };
      await this.writeRows(pending, this.options.shared ? () => this.renewClaim(batch.bucket) : undefined);
      await this.setWatermark(batch.bucket, through);
      released = true;
      return { status: 'applied', applied: pending.length, skipped, watermark: through, ddlFailures: [] };
    } finally {
      if (!released && this.options.shared) await this.setWatermark(batch.bucket, null).catch(() => {});
    }
  }

  async watermark(bucket: number): Promise<BinlogPosition | null> {
    const read = await retryTransient(() => this.client.getRow({ tableName: WATERMARK_TABLE, primaryKey: this.key(bucket) }), { budgetMs: this.options.retryMs });
    if (!read.ok) throw tablestoreFailure(`read the watermark of bucket ${bucket}`, read);
    return positionOf(read.value.row.attributes);
  }

  async close(): Promise<void> {}

  /**
   * Before each write request: a claim past its half-life is renewed, and one that cannot be (this
   * process stalled and another took the bucket) stops the batch before it writes anything more.
   */
  private async renewClaim(bucket: number): Promise<void> {
    const { claimMs } = this.options.shared!;
    if (Date.now() < this.claimedUntil.get(bucket)! - claimMs / 2) return;
    if ((await this.claim(bucket, true)) === 'busy') {
      throw new FcDtsError('STATE_INVALID', `bucket ${bucket} of task ${this.options.taskName}: the claim ran out while the batch was written`, 'the batch is redelivered and applied by the instance that holds the bucket now');
    }
  }

  private async writeRows(pending: readonly RowChange[], beforeRequest: (() => Promise<void>) | undefined): Promise<void> {
    let planned;
    try {
      planned = plannedWrites(pending, this.tables, this.config.writeMode);
    } catch (e) {
      if (e instanceof UnwritableChange) throw new ApplyRejected(e.change, e);
      throw e;
    }
    const failed = await this.writer.write(planned.map((p) => p.write), beforeRequest);
    if (failed.length === 0) return;
    // Name the earliest refused change: the dirty-data policy sets it aside and the batch is applied again.
    const changeOf = new Map(planned.map((p) => [p.write, p.change]));
    const first = failed.map((f) => ({ change: changeOf.get(f.row)!, reason: f.reason })).sort((a, b) => comparePositions(a.change.pos, b.change.pos))[0]!;
    throw new ApplyRejected(first.change, new Error(first.reason));
  }

  private async cachedWatermark(bucket: number): Promise<BinlogPosition | null> {
    if (!this.cached.has(bucket)) this.cached.set(bucket, await this.watermark(bucket));
    return this.cached.get(bucket)!;
  }

  /** Takes the bucket for this batch unless another live process holds it; returns the watermark. */
  private async claim(bucket: number, renewal = false): Promise<{ watermark: BinlogPosition | null } | 'busy'> {
    const { owner, claimMs } = this.options.shared!;
    const now = Date.now();
    this.claimedUntil.set(bucket, now + claimMs);
    const free = new CompositeCondition(LogicalOperator.OR);
    free.addSubCondition(new SingleColumnCondition('owner', '', ComparatorType.EQUAL, true));
    free.addSubCondition(new SingleColumnCondition('owner', owner, ComparatorType.EQUAL, true));
    free.addSubCondition(new SingleColumnCondition('until', Long.fromNumber(now), ComparatorType.LESS_THAN, true));
    const mine = new SingleColumnCondition('owner', owner, ComparatorType.EQUAL, false);
    const claimed = await retryTransient(
      () =>
        this.client.updateRow({
          tableName: WATERMARK_TABLE,
          primaryKey: this.key(bucket),
          updateOfAttributeColumns: [{ PUT: [{ owner }, { until: Long.fromNumber(now + claimMs) }] }],
          condition: new Condition(renewal ? Expect.EXPECT_EXIST : Expect.IGNORE, renewal ? mine : free),
          returnContent: { returnType: ReturnType.AfterModify, returnColumns: ['file', 'offset', 'row'] },
        }),
      { budgetMs: this.options.retryMs },
    );
    if (!claimed.ok && claimed.failure.name === 'OTSConditionCheckFail') return 'busy';
    if (!claimed.ok) throw tablestoreFailure(`claim bucket ${bucket}`, claimed);
    return { watermark: positionOf(claimed.value.row.attributes) };
  }

  /** Moves the watermark (null: leaves it) and, when shared, gives the claim up; a claim lost meanwhile is an error. */
  private async setWatermark(bucket: number, to: BinlogPosition | null): Promise<void> {
    const shared = this.options.shared;
    const columns: TableStore.AttributeColumns = to ? [{ file: Long.fromNumber(to.file) }, { offset: Long.fromNumber(to.offset) }, { row: Long.fromNumber(to.row) }] : [];
    if (shared) columns.push({ owner: '' }, { until: Long.fromNumber(0) });
    const condition = shared ? new Condition(Expect.EXPECT_EXIST, new SingleColumnCondition('owner', shared.owner, ComparatorType.EQUAL, false)) : new Condition(Expect.IGNORE, null);
    const written = await retryTransient(
      () => this.client.updateRow({ tableName: WATERMARK_TABLE, primaryKey: this.key(bucket), updateOfAttributeColumns: [{ PUT: columns }], condition }),
      { budgetMs: this.options.retryMs },
    );
    if (!written.ok && written.failure.name === 'OTSConditionCheckFail' && !written.earlierMaybeApplied) {
      throw new FcDtsError(
        'STATE_INVALID',
        `bucket ${bucket} of task ${this.options.taskName}: the claim ran out while the batch was written (another instance took the bucket)`,
        'raise the claim time above the apply function timeout; verify the destination (fc-dts verify)',
      );
    }
    if (!written.ok && written.failure.name !== 'OTSConditionCheckFail') throw tablestoreFailure(`move the watermark of bucket ${bucket}`, written);
    if (!shared && to) this.cached.set(bucket, to);
  }

  private key(bucket: number): TableStore.PrimaryKey {
    return [{ task: this.options.taskName }, { bucket: Long.fromNumber(bucket) }];
  }
}

function positionOf(attributes: TableStore.AttributeColumn[] | null | undefined): BinlogPosition | null {
  const get = (name: string) => attributes?.find((a) => a.columnName === name)?.columnValue;
  const [file, offset, row] = [get('file'), get('offset'), get('row')];
  if (file === undefined || offset === undefined || row === undefined) return null;
  const n = (v: TableStore.ColumnValue) => (typeof v === 'object' && v !== null && 'toNumber' in v ? v.toNumber() : Number(v));
  return { file: n(file), offset: n(offset), row: n(row) };
}
