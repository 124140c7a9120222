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
import { resumePointOf, type BinlogCoordinates, type ReaderCheckpoint, type ResumePoint, type SourceCheckpoint } from '../change/position.ts';
import type { Sink } from '../apply/sink.ts';
import { BinlogReader } from '../binlog/binlog-reader.ts';
import { currentBinlogCoordinates } from '../mysql/binlog-coordinates.ts';
import { connect } from '../mysql/connection.ts';
import type { IncrementalStatus, StateStore, TaskState } from '../state/state-store.ts';
import type { DatabaseMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';
import { BinlogEventHandler } from './binlog-event-handler.ts';
import { Heartbeat } from './heartbeat.ts';
import { standaloneTarget, type IncrementalTarget } from './incremental-target.ts';
import { ProgressKeeper } from './progress-keeper.ts';
import { historyPosition, loadSchemaHistory, savingHistory, seedSchemaHistory } from './schema-history-keeper.ts';
import type { DdlSkipLog } from './skipped-ddl.ts';
import { planRead } from './source-resume.ts';
import { SyncMeter } from './sync-meter.ts';

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

export async function runIncremental(task: Task, dbs: readonly DatabaseMapping[], store: StateStore, options: IncrementalOptions): Promise<IncrementalSummary> {
  const started = performance.now();
  const s = task.advanced.incremental;
  const baseTarget = options.target ?? (await standaloneTarget(task, dbs, store, s.workers));
  const read = await planRead(task.source, baseTarget.start ?? (await startPoint(task, store)));
  if (read.switchover) options.log(`source switchover: ${task.source.host}:${task.source.port} is now server ${read.switchover.to} (was ${read.switchover.from}); resuming by GTID`);
  const start = read.resumePoint;
  const history = await loadSchemaHistory(store);
  const target = history ? savingHistory(baseTarget, history, store, { ...start, epoch: read.source.origin.epoch ?? 0 }) : baseTarget;
  const end = options.until === 'caught-up' ? await sourceEnd(task) : undefined;
  const heartbeat = await startHeartbeat(task, target.sink, options.log);
  const state = (await store.getTaskState())!;
  const meter = new SyncMeter(heartbeat !== undefined);
  const plan = await store.getPlan();
  const catchUpEnd = plan?.end && historyPosition(plan.end);
  const handler = new BinlogEventHandler({ task, dbs, store, target, start, source: read.source, ...(catchUpEnd && { catchUpEnd }), meter, ddlSkipped: skipLogOf(state), log: options.log });
  const databases = task.objects.map((o) => o.database);
  const reader = new BinlogReader({ endpoint: task.source, serverId: readerServerId(task.name), start: read.from, epoch: read.epoch, databases, ...(history ? { schemaHistory: history } : {}) });
  const progress = new ProgressKeeper({ handler, meter, reader, store, target, state, end, onStatus: options.onStatus, log: options.log });
  progress.start(Math.min(250, s.batchMs));
  const onAbort = () => void reader.stop();
  options.signal?.addEventListener('abort', onAbort);
  try {
    await progress.stopIfCaughtUp();
    await readAll(reader, handler, s.flushWhenIdle).catch(async (e: unknown) => {
      // The source went away (a failover, a lost connection): what was read is applied and its
      // checkpoint saved, so the next run (on this server or a new primary) reads nothing twice.
      if (!handler.failed) await saveApplied(handler, progress, options.log);
      throw e;
    });
    if (handler.failed) throw handler.failed;
    if (progress.leaseLost) throw progress.leaseLost;
    if (options.signal?.aborted) throw options.signal.reason;
    await handler.applyAll();
    await progress.tick();
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await progress.stop();
    await reader.stop().catch(() => {});
    await heartbeat?.stop();
    await target.sink.close().catch(() => {});
  }
  const checkpoint = { ...handler.tracker.sourceCheckpoint, at: new Date().toISOString() };
  return { applied: meter.applied, seconds: (performance.now() - started) / 1000, checkpoint, ddlFailures: meter.ddlFailures };
}

/** Reads until the reader stops, feeding each event to the handler. */
async function readAll(reader: BinlogReader, handler: BinlogEventHandler, flushWhenIdle: boolean): Promise<void> {
  for await (const ev of reader) {
    if (handler.failed) throw handler.failed;
    await handler.handle(ev);
    // Nothing more is waiting to be read: send what is batched now rather than at the age limit, so
    // a quiet source sees its changes applied at once and a busy one still fills its batches.
    if (flushWhenIdle && reader.buffered === 0) handler.flush('idle');
    await handler.holdWhileBehind();
  }
}

async function saveApplied(handler: BinlogEventHandler, progress: ProgressKeeper, log: (line: string) => void): Promise<void> {
  try {
    await handler.applyAll();
    await progress.tick();
  } catch (e) {
    log(`checkpoint after the source failed: ${(e as Error).message}`);
  }
}

/** The source heartbeat when the task asks for it; the sink is closed if it cannot start. */
async function startHeartbeat(task: Task, sink: Sink, log: (line: string) => void): Promise<Heartbeat | undefined> {
  if (!task.advanced.heartbeat) return undefined;
  return Heartbeat.start(task, log).catch(async (e: unknown) => {
    await sink.close().catch(() => {});
    throw e;
  });
}

function skipLogOf(state: TaskState): DdlSkipLog {
  return { count: state.incremental?.ddlSkipped ?? 0, last: state.incremental?.lastDdlSkipped };
}

/** The reader starts at the checkpoint, else at the position the full load recorded, else now. */
async function startPoint(task: Task, store: StateStore): Promise<SourceCheckpoint> {
  const cp = await store.getCheckpoint();
  if (cp) return cp;
  const plan = await store.getPlan();
  if (plan) return checkpointAt(plan.position);
  // Incremental-only: the history starts here, read in the same session as the position.
  let start: SourceCheckpoint | undefined;
  await sourceEnd(task, async (src, at) => {
    start = checkpointAt(at);
    await seedSchemaHistory(src, task, at, store);
  });
  await store.putCheckpoint({ ...start!, at: new Date().toISOString() });
  return start!;
}

/** The server's coordinates as a checkpoint: MySQL's GTID set goes with it (empty: gtid_mode OFF, nothing to resume by). */
function checkpointAt(c: BinlogCoordinates): SourceCheckpoint {
  return { ...resumePointOf(c), ...(c.flavor === 'mysql' && c.gtid !== '' ? { gtidExecuted: c.gtid } : {}) };
}

async function sourceEnd(task: Task, then?: (src: Connection, at: BinlogCoordinates) => Promise<void>): Promise<ResumePoint> {
  const src: Connection = await connect('source', task.source);
  try {
    const coordinates = await currentBinlogCoordinates(src);
    await then?.(src, coordinates);
    return resumePointOf(coordinates);
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
