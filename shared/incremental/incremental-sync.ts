/**
 * Standalone incremental sync: binlog reader → change mapper → batcher → apply dispatcher → sink,
 * from the position the full load recorded (or the last checkpoint), until stopped or — with
 * `until: 'caught-up'` — until everything committed on the source before the call is applied.
 *
 * Memory stays bounded whatever the transaction size: the reader pauses the binlog connection when
 * its buffer is full, and this loop stops pulling events while too many changes wait to be applied.
 * The checkpoint advances only over transactions whose every change is applied, so a kill at any
 * moment re-reads only work the destination's watermarks recognize.
 */
import type { Connection } from 'mysql2/promise';
import type { ChangeBatch, DdlChange, RowChange } from '../change/change-event.ts';
import { atOrBefore, isAfter, resumePointOf, type BinlogPosition, type ReaderCheckpoint, type ResumePoint } from '../change/position.ts';
import { DDL_BUCKET, type Sink } from '../apply/sink.ts';
import { openSink } from '../apply/open-sink.ts';
import { ApplyRejected } from '../apply/sink.ts';
import { BinlogReader, type SourceEvent } from '../binlog/binlog-reader.ts';
import { readCatalog } from '../mysql/catalog.ts';
import { currentBinlogCoordinates } from '../mysql/binlog-coordinates.ts';
import { connect } from '../mysql/connection.ts';
import { LeaseLost } from '../state/distributed-state.ts';
import type { IncrementalStatus, StateStore } from '../state/state-store.ts';
import type { DatabaseMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';
import { RateLimiter } from '../throttle.ts';
import { ApplyDispatcher } from './apply-dispatcher.ts';
import { setRejectedChangeAside } from './dirty-data.ts';
import { Batcher, bucketOf, changeBytes } from './batcher.ts';
import { ChangeMapper } from './change-mapper.ts';
import { CheckpointTracker, type TrackedTransaction } from './checkpoint-tracker.ts';
import { translateDdl } from './ddl-translator.ts';
import { Heartbeat } from './heartbeat.ts';
import { noteSkippedDdl, type DdlSkipLog } from './skipped-ddl.ts';

/**
 * Where batches go and how progress is kept: the destination itself (standalone, the default), or the
 * destination's queue (the serverless reader, distributed/queue-reader.ts).
 */
export interface IncrementalTarget {
  readonly sink: Sink;
  /** Where reading starts; default: the store's checkpoint, else the full load's position. */
  readonly start?: ResumePoint;
  /** Per bucket, the last position sent before `start`: the `prev` of each bucket's first batch. */
  readonly lastSent?: ReadonlyMap<number, BinlogPosition>;
  /** Saves the resume point; `lastSent` has, per bucket, the last change sent before it. */
  saveCheckpoint(checkpoint: ResumePoint, lastSent: ReadonlyMap<number, BinlogPosition>): Promise<void>;
  /**
   * Resolves once the destination has applied every bucket up to these positions (a DDL barrier).
   * Absent: the sink applies a batch before it returns, so draining is enough.
   */
  appliedThrough?(positions: ReadonlyMap<number, BinlogPosition>): Promise<void>;
}

export interface IncrementalOptions {
  readonly until?: 'caught-up';
  readonly target?: IncrementalTarget;
  readonly signal?: AbortSignal;
  readonly log: (line: string) => void;
  /** Called about once a second with the current status (also persisted in the task state). */
  readonly onStatus?: (status: IncrementalStatus) => void;
}

export interface IncrementalSummary {
  readonly applied: number;
  readonly seconds: number;
  readonly checkpoint: ReaderCheckpoint;
  readonly ddlFailures: number;
}

/**
 * The transaction a change belongs to, kept on the change under a symbol (invisible to sinks and to
 * JSON): a WeakMap of every change in flight costs the garbage collector dearly.
 */
const TX = Symbol('transaction');
type Tracked = { [TX]?: TrackedTransaction };

/** Changes allowed to wait for the destination before the reader is held. */
const MAX_OUTSTANDING = 20_000;

export async function runIncremental(task: Task, dbs: readonly DatabaseMapping[], store: StateStore, options: IncrementalOptions): Promise<IncrementalSummary> {
  const started = performance.now();
  const s = task.advanced.incremental;
  const out: IncrementalTarget = options.target ?? (await standaloneTarget(task, dbs, store, s.workers));
  const start = out.start ?? (await startPoint(task, store));
  const target = options.until === 'caught-up' ? await sourceEnd(task) : undefined;
  const sink: Sink = out.sink;
  const mapper = new ChangeMapper(task, dbs);
  const batcher = new Batcher(s.buckets, { changes: s.batchChanges, bytes: s.batchBytes, ms: s.batchMs }, out.lastSent);
  // Per bucket, the last change of the transactions the checkpoint has passed: saved with it, so a
  // restarted reader chains its first batches to what it sent before (only a queue target needs it).
  const trackBuckets = out.lastSent !== undefined;
  const sentBelow = new Map<number, BinlogPosition>(out.lastSent);
  const tracker = new CheckpointTracker(start, trackBuckets ? (tx) => {
    for (const [b, p] of tx.lastInBucket ?? []) sentBelow.set(b, p);
  } : undefined);
  const limits = task.advanced.throttle.incremental;
  const rps = limits.rps ? new RateLimiter(limits.rps) : undefined;
  const mbps = limits.mbps ? new RateLimiter(limits.mbps * 1024 * 1024) : undefined;
  const heartbeat = task.advanced.heartbeat ? await Heartbeat.start(task, options.log).catch(async (e: unknown) => {
    await sink.close().catch(() => {});
    throw e;
  }) : undefined;
  let applied = 0;
  let ddlFailures = 0;
  let stateCache = (await store.getTaskState())!;
  let ddlSkipped: DdlSkipLog = { count: stateCache.incremental?.ddlSkipped ?? 0, last: stateCache.incremental?.lastDdlSkipped };
  const recentlyApplied: Array<[number, number]> = [];

  const dispatcher = new ApplyDispatcher({
    sink,
    concurrency: s.workers,
    mergeLimit: s.batchChanges * 4,
    retry: task.advanced.retry,
    log: options.log,
    isRejection: (e) => e instanceof ApplyRejected,
    onRejected: (batch, e) => setRejectedChangeAside(task, store, batch, e as ApplyRejected, options.log),
    onApplied: (batch, outcome) => {
      applied += outcome.applied;
      recentlyApplied.push([Date.now(), outcome.applied]);
      for (const f of outcome.ddlFailures) {
        ddlFailures++;
        options.log(`DDL failed in the destination (the task goes on): ${f.sql} — ${f.error}`);
      }
      for (const c of batch.changes) {
        const tx = (c as Tracked)[TX];
        if (tx) tracker.applied(tx, 1);
      }
    },
  });
  const dispatch = (batch: ChangeBatch | undefined) => {
    if (batch) dispatcher.submit(batch);
  };

  const reader = new BinlogReader({
    endpoint: task.source,
    serverId: readerServerId(task.name),
    start,
    databases: task.objects.map((o) => o.database),
  });

  let caughtUp = false;
  const reached = (): boolean =>
    target !== undefined && atOrBefore(target, tracker.readThrough) && tracker.pendingTransactions === 0 && dispatcher.queuedChanges === 0 && batcher.pendingChanges === 0;
  let lastSaved = '';
  let fatal: unknown;
  const tick = async (): Promise<void> => {
    // A failed apply ends the read loop even while the source is idle.
    if (dispatcher.failed) return void (await reader.stop());
    for (const b of batcher.due()) dispatch(b);
    const cp = tracker.checkpoint;
    const key = `${cp.file}:${cp.offset}`;
    const status = statusNow();
    if (key !== lastSaved) {
      await out.saveCheckpoint(cp, sentBelow);
      lastSaved = key;
    }
    stateCache = { ...stateCache, incremental: status, updatedAt: status.updatedAt };
    await store.putTaskState(stateCache);
    options.onStatus?.(status);
    if (!caughtUp && reached()) {
      caughtUp = true;
      await reader.stop();
    }
  };
  const statusNow = (): IncrementalStatus => {
    const now = Date.now();
    while (recentlyApplied.length > 0 && now - recentlyApplied[0]![0] > 5000) recentlyApplied.shift();
    const window = recentlyApplied.reduce((n, [, c]) => n + c, 0);
    const oldest = tracker.oldestPendingTs;
    // Pending work: lag is the age of its oldest change. None: with the heartbeat the source writes
    // every second, so the last applied commit's age is the lag; without it, nothing is behind.
    const lag = oldest !== undefined ? now / 1000 - oldest : heartbeat ? Math.max(0, now / 1000 - tracker.lastCompletedTs) : 0;
    return {
      lagSeconds: Math.max(0, Math.round(lag * 10) / 10),
      rowsPerSecond: Math.round(window / 5),
      applied,
      checkpoint: { ...tracker.checkpoint, at: new Date(now).toISOString() },
      ddlFailures,
      ddlSkipped: ddlSkipped.count,
      ...(ddlSkipped.last ? { lastDdlSkipped: ddlSkipped.last } : {}),
      updatedAt: new Date(now).toISOString(),
    };
  };
  let ticking: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    ticking = ticking.then(tick).catch((e: unknown) => {
      // A reader whose lease was taken must stop at once: another one owns the task now.
      if (e instanceof LeaseLost) {
        fatal ??= e;
        void reader.stop();
      } else options.log(`checkpoint: ${(e as Error).message}`);
    });
  }, Math.min(250, s.batchMs));
  const onAbort = () => void reader.stop();
  options.signal?.addEventListener('abort', onAbort);

  try {
    if (target && atOrBefore(target, start)) {
      caughtUp = true;
      await reader.stop();
    }
    for await (const ev of reader) {
      if (dispatcher.failed) throw dispatcher.failed;
      await handle(ev);
      // Nothing more is waiting to be read: send what is batched now rather than at the age limit, so
      // a quiet source sees its changes applied at once and a busy one still fills its batches.
      if (reader.buffered === 0) for (const b of batcher.due(true)) dispatch(b);
      if (dispatcher.queuedChanges > MAX_OUTSTANDING) await dispatcher.waitBelow(MAX_OUTSTANDING / 2);
    }
    if (dispatcher.failed) throw dispatcher.failed;
    if (fatal) throw fatal;
    if (options.signal?.aborted) throw options.signal.reason;
    for (const b of batcher.due(true)) dispatch(b);
    await dispatcher.drain();
    await tick();
  } finally {
    clearInterval(timer);
    options.signal?.removeEventListener('abort', onAbort);
    await ticking.catch(() => {});
    await reader.stop().catch(() => {});
    await heartbeat?.stop();
    await sink.close().catch(() => {});
  }
  return { applied, seconds: (performance.now() - started) / 1000, checkpoint: { ...tracker.checkpoint, at: new Date().toISOString() }, ddlFailures };

  async function handle(ev: SourceEvent): Promise<void> {
    switch (ev.kind) {
      case 'rows': {
        const changes = mapper.map(ev);
        const tx = tracker.transaction(ev.txStart, ev.ts);
        if (rps && changes.length > 0) await rps.take(changes.length);
        if (mbps && changes.length > 0) await mbps.take(changes.reduce((n, c) => n + changeBytes(c), 0));
        for (const c of changes) {
          tx.pending++;
          (c as Tracked)[TX] = tx;
          if (trackBuckets) {
            const bucket = bucketOf(c, s.buckets);
            (tx.lastInBucket ??= new Map()).set(bucket, c.pos);
            dispatch(batcher.add(c, bucket));
          } else dispatch(batcher.add(c));
        }
        return;
      }
      case 'commit':
        tracker.commit(ev.next, ev.ts);
        return;
      case 'query':
        await ddl(ev);
        return;
      case 'heartbeat':
        tracker.idle(ev.next);
        return;
    }
  }

  /** A DDL is a barrier: everything before it is applied first, nothing after it before it. */
  async function ddl(ev: Extract<SourceEvent, { kind: 'query' }>): Promise<void> {
    const decision = translateDdl(ev.sql, ev.database, task);
    if (!decision.apply) {
      ddlSkipped = noteSkippedDdl(task, decision, ev, (db, table) => mapper.targetOf(db, table), ddlSkipped, options.log);
      return;
    }
    for (const b of batcher.due(true)) dispatch(b);
    await dispatcher.drain();
    await out.appliedThrough?.(batcher.sent);
    const t = decision.translation;
    const change: DdlChange = { kind: 'ddl', pos: ev.pos, ts: ev.ts, sql: t.sql, database: t.database, tables: t.tables };
    const tx = tracker.transaction(ev.txStart, ev.ts);
    tx.pending++;
    (change as Tracked)[TX] = tx;
    dispatcher.submit({ bucket: DDL_BUCKET, prev: null, changes: [change] });
    await dispatcher.drain();
    await out.appliedThrough?.(new Map([[DDL_BUCKET, change.pos]]));
    await relearn(t.sourceTables);
  }

  /**
   * After a DDL, the tables it touched are relearned from their destination copies (new tables are
   * picked up, renamed or dropped ones forgotten). A DDL that was not applied changed nothing there,
   * so its tables keep their mapping.
   */
  async function relearn(sourceTables: readonly string[]): Promise<void> {
    if (task.destination.type !== 'mysql') return; // only MySQL destinations take DDL
    const dst = await connect('destination', task.destination);
    try {
      for (const name of sourceTables) {
        const dot = name.indexOf('.');
        const [db, table] = [name.slice(0, dot), name.slice(dot + 1)];
        const target = mapper.targetOf(db, table);
        if (!target) continue;
        const info = (await readCatalog(dst, [target.database])).get(target.database)?.tables.find((t) => t.name === target.table);
        if (info) mapper.learnFromDestination(db, table, target, info);
        else mapper.forgetTable(db, table);
      }
    } finally {
      await dst.end().catch(() => {});
    }
  }
}

/** The destination's own sink, the checkpoint in the task's state store. */
async function standaloneTarget(task: Task, dbs: readonly DatabaseMapping[], store: StateStore, connections: number): Promise<IncrementalTarget> {
  return {
    sink: await openSink(task, dbs, { connections }),
    saveCheckpoint: (cp) => store.putCheckpoint({ ...cp, at: new Date().toISOString() }),
  };
}

/**
 * Polls the destination's watermarks until every bucket has applied through `positions` (the
 * serverless barrier before and after a DDL: the batches are in the queue, not yet applied).
 */
export async function waitForWatermarks(sink: Sink, positions: ReadonlyMap<number, BinlogPosition>, signal?: AbortSignal): Promise<void> {
  for (const [bucket, pos] of positions) {
    for (let delay = 20; ; delay = Math.min(1000, delay * 2)) {
      const wm = await sink.watermark(bucket);
      if (wm !== null && !isAfter(pos, wm)) break;
      if (signal?.aborted) throw signal.reason;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** The reader starts at the checkpoint, else at the position the full load recorded, else now. */
async function startPoint(task: Task, store: StateStore): Promise<ResumePoint> {
  const cp = await store.getCheckpoint();
  if (cp) return resumePointOf(cp);
  const plan = await store.getPlan();
  if (plan) return resumePointOf(plan.position);
  const end = await sourceEnd(task);
  await store.putCheckpoint({ ...end, at: new Date().toISOString() });
  return end;
}

async function sourceEnd(task: Task): Promise<ResumePoint> {
  const src: Connection = await connect('source', task.source);
  try {
    return resumePointOf(await currentBinlogCoordinates(src));
  } finally {
    await src.end().catch(() => {});
  }
}

/** A replica server id of its own per task, away from the small ids servers use. */
function readerServerId(taskName: string): number {
  let h = 2166136261;
  for (const ch of taskName) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return 100_000 + (h % 1_000_000_000);
}

