/**
 * The serverless full load (docs/architecture.md §1.2): plan-full-load runs the precheck and schema synchronization
 * once, records the binlog position and the chunk plan (standalone-runner.ts, planOnly), and sends
 * one work message per chunk not yet done to the chunk queue; load-chunk loads one chunk
 * (full-load.ts, `only`) and records it done. Loading a chunk again after a crash is safe: chunks
 * are written insert-if-absent, in one transaction. The invocation that records the last chunk moves
 * the task to `full-done`, which is what the binlog reader waits for (docs/architecture.md §3.7).
 */
import { FcDtsError, isFcDtsError } from '../errors.ts';
import { ChunkLedger } from '../fullload/chunk-ledger.ts';
import { recordLoadEnd, runFullLoad } from '../fullload/full-load.ts';
import { checkSnapshotStillHolds } from '../incremental/schema-history-keeper.ts';
import type { ProgressReporter } from '../fullload/progress.ts';
import { runTask } from '../pipeline/standalone-runner.ts';
import type { ChangeQueue } from '../queue/change-queue.ts';
import type { FullLoadPlan, StateStore, TaskState } from '../state/state-store.ts';
import { allTables, type DatabaseMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';

/** One load-chunk invocation's work. */
export interface ChunkWork {
  readonly task: string;
  readonly table: string;
  readonly chunk: number;
}

export interface FanOutReport {
  readonly phase: TaskState['phase'];
  readonly chunks: number;
  /** Work messages sent (chunks not yet done). */
  readonly sent: number;
}

export async function planFullLoadFanOut(task: Task, store: StateStore, chunkQueue: ChangeQueue, log: (line: string) => void): Promise<FanOutReport> {
  const run = await runTask(task, store, { until: 'full-done', planOnly: true, out: { write: () => true }, log });
  if (!run.plan) return { phase: run.state.phase, chunks: 0, sent: 0 };
  const ledger = await ChunkLedger.load(store);
  const work: ChunkWork[] = run.plan.tables.flatMap((t) => ledger.remaining(t).map((chunk) => ({ task: task.name, table: t.table, chunk })));
  const chunks = run.plan.tables.reduce((n, t) => n + t.chunks.length, 0);
  if (work.length === 0) {
    await markFullDone(store);
    return { phase: 'full-done', chunks, sent: 0 };
  }
  await chunkQueue.send(work.map(encodeChunkWork));
  log(`full load planned: ${chunks} chunks, ${work.length} sent to load-chunk`);
  return { phase: 'full-load', chunks, sent: work.length };
}

/** Loads one chunk (again, harmlessly, when it is already done); moves the task to full-done after the last. */
export async function loadChunkWork(task: Task, dbs: readonly DatabaseMapping[], store: StateStore, work: ChunkWork, log: (line: string) => void): Promise<{ rows: number; fullDone: boolean }> {
  if (work.task !== task.name) throw new FcDtsError('USAGE', `chunk work of task ${work.task} sent to task ${task.name}`, 'give each task its own chunk queue');
  const summary = await runFullLoad(task, allTables(dbs), store, { only: [{ table: work.table, chunk: work.chunk }], progress: SILENT, log });
  const plan = await store.getPlan();
  const all = plan ? (await ChunkLedger.load(store)).allDone(plan) : false;
  if (plan && all) {
    await snapshotStillHolds(task, store, plan);
    await recordLoadEnd(task, store);
    await markFullDone(store);
  }
  return { rows: summary.rows, fullDone: all };
}

/** DDL during the full load stops the task there, recorded where `status` shows it (as the standalone run does). */
async function snapshotStillHolds(task: Task, store: StateStore, plan: FullLoadPlan): Promise<void> {
  try {
    await checkSnapshotStillHolds(task, store, plan.position);
  } catch (e) {
    const state = await store.getTaskState();
    if (state && isFcDtsError(e)) await store.putTaskState({ ...state, lastError: { code: e.code, message: e.message, at: new Date().toISOString() } });
    throw e;
  }
}

export function encodeChunkWork(w: ChunkWork): string {
  return Buffer.from(JSON.stringify(w)).toString('base64');
}

export function decodeChunkWork(body: string): ChunkWork {
  let w: Partial<ChunkWork>;
  try {
    w = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as Partial<ChunkWork>;
  } catch (e) {
    throw new FcDtsError('USAGE', 'a load-chunk message is not base64 JSON', 'send load-chunk work only through plan-full-load', { cause: e });
  }
  if (typeof w.task !== 'string' || typeof w.table !== 'string' || !Number.isInteger(w.chunk)) {
    throw new FcDtsError('USAGE', 'a load-chunk message lacks task, table or chunk', 'send load-chunk work only through plan-full-load');
  }
  return { task: w.task, table: w.table, chunk: w.chunk! };
}

async function markFullDone(store: StateStore): Promise<void> {
  const state = await store.getTaskState();
  if (state && (state.phase === 'full-done' || state.phase === 'incremental')) return;
  if (!state) throw new FcDtsError('STATE_INVALID', 'the task has no state: plan-full-load has not run', 'invoke plan-full-load first');
  await store.putTaskState({ ...state, phase: 'full-done', updatedAt: new Date().toISOString() });
}

const SILENT: ProgressReporter = { start: () => {}, update: () => {}, finish: () => {} };
