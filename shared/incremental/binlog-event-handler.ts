/**
 * What incremental sync does with each kind of binlog event: row events become changes, batched per
 * bucket and applied by the dispatcher; a commit closes its transaction; a DDL is a barrier; a
 * heartbeat moves the read position over idle stretches. Every change carries its transaction, so
 * the checkpoint moves only over transactions whose every change is applied.
 */
import type { ChangeBatch, DdlChange, RowChange } from '../change/change-event.ts';
import { atOrBefore, type BinlogPosition, type ResumePoint } from '../change/position.ts';
import { ApplyRejected, DDL_BUCKET, type ApplyOutcome } from '../apply/sink.ts';
import type { SourceEvent } from '../binlog/binlog-reader.ts';
import type { StateStore } from '../state/state-store.ts';
import type { DatabaseMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';
import { RateLimiter } from '../throttle.ts';
import { ApplyDispatcher } from './apply-dispatcher.ts';
import type { RetryingBucket } from '../apply/apply-failure.ts';
import { Batcher, bucketOf, changeBytes, type DueMode } from './batcher.ts';
import { ChangeMapper } from './change-mapper.ts';
import { CheckpointTracker, type TrackedSource, type TrackedTransaction } from './checkpoint-tracker.ts';
import { translateDdl } from './ddl-translator.ts';
import { setRejectedChangeAside } from './dirty-data.ts';
import type { IncrementalTarget } from './incremental-target.ts';
import { relearnTables } from './relearn-tables.ts';
import { noteSkippedDdl, type DdlSkipLog } from './skipped-ddl.ts';
import type { SyncMeter } from './sync-meter.ts';

type EventOf<K extends SourceEvent['kind']> = Extract<SourceEvent, { kind: K }>;

/**
 * The transaction a change belongs to, kept on the change under a symbol (invisible to sinks and to
 * JSON): a WeakMap of every change in flight costs the garbage collector dearly.
 */
const TX = Symbol('transaction');
type Tracked = { [TX]?: TrackedTransaction };

/** Changes allowed to wait for the destination before the reader is held. */
const MAX_OUTSTANDING = 20_000;
/** Bytes of changes allowed to wait for the destination before the reader is held (a large batch being applied aside). */
const MAX_OUTSTANDING_BYTES = 64 << 20;

export interface EventHandlerContext {
  readonly task: Task;
  readonly dbs: readonly DatabaseMapping[];
  readonly store: StateStore;
  readonly target: IncrementalTarget;
  readonly start: ResumePoint;
  /** The servers and MySQL GTIDs the checkpoint tracks (source-resume.ts). */
  readonly source?: TrackedSource;
  /** The full load's end (FullLoadPlan.end) as a position: before it is the catch-up window. */
  readonly catchUpEnd?: BinlogPosition;
  readonly meter: SyncMeter;
  /** The DDL statements left unapplied so far (from the task state). */
  readonly ddlSkipped: DdlSkipLog;
  readonly log: (line: string) => void;
}

export class BinlogEventHandler {
  readonly tracker: CheckpointTracker;
  /**
   * Per bucket, the last change of the transactions the checkpoint has passed: saved with it, so a
   * restarted reader chains its first batches to what it sent before (only a queue target needs it).
   */
  readonly sentBelow: Map<number, BinlogPosition>;
  private skipped: DdlSkipLog;
  private readonly trackBuckets: boolean;
  private readonly mapper: ChangeMapper;
  private readonly batcher: Batcher;
  private readonly dispatcher: ApplyDispatcher;
  private readonly rps: RateLimiter | undefined;
  private readonly mbps: RateLimiter | undefined;

  constructor(private readonly ctx: EventHandlerContext) {
    const { task, target } = ctx;
    const s = task.advanced.incremental;
    this.mapper = new ChangeMapper(task, ctx.dbs, ctx.catchUpEnd);
    this.batcher = new Batcher(s.buckets, { changes: s.batchChanges, bytes: s.batchBytes, ms: s.batchMs }, target.lastSent);
    this.trackBuckets = target.lastSent !== undefined;
    this.sentBelow = new Map(target.lastSent);
    this.tracker = new CheckpointTracker(ctx.start, this.trackBuckets ? (tx) => this.passed(tx) : undefined, ctx.source);
    const limits = task.advanced.throttle.incremental;
    this.rps = limits.rps ? new RateLimiter(limits.rps) : undefined;
    this.mbps = limits.mbps ? new RateLimiter(limits.mbps * 1024 * 1024) : undefined;
    this.skipped = ctx.ddlSkipped;
    this.dispatcher = this.newDispatcher();
  }

  get ddlSkipped(): DdlSkipLog {
    return this.skipped;
  }

  /** The apply error that stopped the dispatcher, if one did. */
  get failed(): unknown {
    return this.dispatcher.failed;
  }

  /** Buckets held by a failing batch under retry. */
  get retrying(): RetryingBucket[] {
    return this.dispatcher.retrying;
  }

  async handle(ev: SourceEvent): Promise<void> {
    switch (ev.kind) {
      case 'rows':
        return this.onRows(ev);
      case 'commit':
        return this.onCommit(ev);
      case 'query':
        return this.onDdl(ev);
      case 'heartbeat':
        return this.onHeartbeat(ev);
    }
  }

  async onRows(ev: EventOf<'rows'>): Promise<void> {
    const changes = this.mapper.map(ev);
    const tx = this.tracker.transaction(ev.txStart, ev.ts);
    if (this.rps && changes.length > 0) await this.rps.take(changes.length);
    if (this.mbps && changes.length > 0) await this.mbps.take(changes.reduce((n, c) => n + changeBytes(c), 0));
    for (const c of changes) {
      track(c, tx);
      if (this.trackBuckets) {
        const bucket = bucketOf(c, this.batcher.buckets);
        (tx.lastInBucket ??= new Map()).set(bucket, c.pos);
        this.send(this.batcher.add(c, bucket));
      } else this.send(this.batcher.add(c));
    }
  }

  onCommit(ev: EventOf<'commit'>): void {
    this.tracker.commit(ev.next, ev.ts, ev.gtid);
    for (const b of this.batcher.endTransaction()) this.send(b);
  }

  /** A DDL is a barrier: everything before it is applied first, nothing after it before it. */
  async onDdl(ev: EventOf<'query'>): Promise<void> {
    const { task, target } = this.ctx;
    const decision = translateDdl(ev.sql, ev.database, task);
    if (!decision.apply) {
      this.skipped = noteSkippedDdl(task, decision, ev, (db, table) => this.mapper.targetOf(db, table), this.skipped, this.ctx.log);
      return;
    }
    await this.applyAll();
    await target.appliedThrough?.(this.batcher.sent);
    const t = decision.translation;
    const change: DdlChange = { kind: 'ddl', pos: ev.pos, ts: ev.ts, sql: t.sql, database: t.database, tables: t.tables };
    track(change, this.tracker.transaction(ev.txStart, ev.ts));
    this.dispatcher.submit({ bucket: DDL_BUCKET, prev: null, changes: [change] });
    await this.dispatcher.drain();
    await target.appliedThrough?.(new Map([[DDL_BUCKET, change.pos]]));
    await relearnTables(task, this.mapper, t.sourceTables);
  }

  onHeartbeat(ev: EventOf<'heartbeat'>): void {
    this.tracker.idle(ev.next);
  }

  /** Sends the batches that are due (batcher.ts DueMode: by age, the reader idle, or all). */
  flush(mode: DueMode = 'age'): void {
    for (const b of this.batcher.due(mode)) this.send(b);
  }

  /** Sends every batch and waits until all are applied. */
  async applyAll(): Promise<void> {
    this.flush('all');
    await this.dispatcher.drain();
  }

  /** Holds the reader while too many changes wait for the destination. */
  async holdWhileBehind(): Promise<void> {
    const d = this.dispatcher;
    if (d.queuedChanges > MAX_OUTSTANDING || d.backlogBytes > MAX_OUTSTANDING_BYTES) await d.waitBelow(MAX_OUTSTANDING / 2, MAX_OUTSTANDING_BYTES / 2);
  }

  /** Everything up to `end` is read and applied. */
  caughtUpTo(end: ResumePoint): boolean {
    return this.tracker.onCurrentSource && atOrBefore(end, this.tracker.readThrough) && this.tracker.pendingTransactions === 0 && this.dispatcher.queuedChanges === 0 && this.batcher.pendingChanges === 0;
  }

  private newDispatcher(): ApplyDispatcher {
    const { task, store, log } = this.ctx;
    const s = task.advanced.incremental;
    return new ApplyDispatcher({
      sink: this.ctx.target.sink,
      concurrency: s.workers,
      mergeLimit: { changes: s.batchChanges * 4, bytes: s.batchBytes * 4 },
      retry: task.advanced.retry,
      log,
      isRejection: (e) => e instanceof ApplyRejected,
      onRejected: (batch, e) => setRejectedChangeAside(task, store, batch, e as ApplyRejected, log),
      onApplied: (batch, outcome) => this.applied(batch, outcome),
    });
  }

  private applied(batch: ChangeBatch, outcome: ApplyOutcome): void {
    this.ctx.meter.countApplied(outcome.applied);
    for (const f of outcome.ddlFailures) {
      this.ctx.meter.countDdlFailure();
      this.ctx.log(`DDL failed in the destination (the task goes on): ${f.sql} — ${f.error}`);
    }
    for (const c of batch.changes) {
      const tx = (c as Tracked)[TX];
      if (tx) this.tracker.applied(tx, 1);
    }
  }

  /** The checkpoint passed `tx`: its buckets' last changes are now sent below it. */
  private passed(tx: TrackedTransaction): void {
    for (const [b, p] of tx.lastInBucket ?? []) this.sentBelow.set(b, p);
  }

  private send(batch: ChangeBatch | undefined): void {
    if (batch) this.dispatcher.submit(batch);
  }
}

function track(change: RowChange | DdlChange, tx: TrackedTransaction): void {
  tx.pending++;
  (change as Tracked)[TX] = tx;
}
