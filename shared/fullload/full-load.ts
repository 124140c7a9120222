/**
 * The chunked full load: records the binlog position, plans every table into key-range chunks,
 * persists the plan, and loads the chunks not yet done with a pool of workers (chunk-worker.ts).
 * A chunk is recorded done only after its last batch is written, so a kill at any moment costs at
 * most the chunks in flight, which reload idempotently on the next run.
 */
import { resumePointOf } from '../change/position.ts';
import { FcDtsError } from '../errors.ts';
import { connect } from '../mysql/connection.ts';
import { currentBinlogCoordinates } from '../mysql/binlog-coordinates.ts';
import type { StateStore, PlannedTable, FullLoadPlan } from '../state/state-store.ts';
import { tableLabel, type TableMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';
import { Throttle } from '../throttle.ts';
import { seedSchemaHistory } from '../incremental/schema-history-keeper.ts';
import { ChunkLedger } from './chunk-ledger.ts';
import { planChunks } from './chunk-planner.ts';
import { ChunkWorkList, type ChunkId } from './chunk-work-list.ts';
import { loadChunks, type LoadTotals } from './chunk-worker.ts';
import { openLoadTarget } from './load-target.ts';
import type { ProgressReporter } from './progress.ts';

export interface FullLoadSummary {
  readonly tables: number;
  readonly chunks: number;
  /** Chunks loaded by this run (the rest were done by an earlier one). */
  readonly chunksLoaded: number;
  readonly rows: number;
  readonly bytes: number;
  readonly dirtyRows: number;
  readonly seconds: number;
}

export interface FullLoadOptions {
  readonly progress: ProgressReporter;
  /** Load only these chunks (one load-chunk invocation of the serverless fan-out); default every chunk not done. */
  readonly only?: readonly ChunkId[];
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

/** Reads the stored plan, adding tables the task selects that it lacks (planned now, same position). */
export async function planFullLoad(task: Task, tables: readonly TableMapping[], store: StateStore): Promise<FullLoadPlan> {
  return ensurePlan(task, tables, store, new Throttle(task.advanced.throttle.full));
}

async function ensurePlan(task: Task, tables: readonly TableMapping[], store: StateStore, throttle: Throttle): Promise<FullLoadPlan> {
  const existing = await store.getPlan();
  const known = new Set(existing?.tables.map((t) => t.table));
  const missing = tables.filter((t) => !known.has(tableLabel(t)));
  if (existing && missing.length === 0) return existing;
  const src = await connect('source', task.source);
  try {
    // The position is taken before any chunk boundary is read: every change after it reaches the
    // destination through the binlog, whatever the chunks see.
    const position = existing?.position ?? (await currentBinlogCoordinates(src));
    // The definitions the snapshot's rows have: the schema history starts there (checked again once the load is done).
    if (!existing) await seedSchemaHistory(src, task, position, store);
    const added: PlannedTable[] = [];
    for (const t of missing) {
      if (t.key.length === 0) {
        throw new FcDtsError('NO_PRIMARY_KEY', `table ${tableLabel(t)} has no PRIMARY KEY or NOT NULL UNIQUE key, so its rows cannot be split into chunks or identified`, `add a primary key (ALTER TABLE ... ADD PRIMARY KEY (...)), or remove the table from objects`);
      }
      const chunks = await planChunks(src, t, { chunkRows: task.advanced.fullLoad.chunkRows, beforeQuery: throttle.beforeQuery });
      added.push({ table: tableLabel(t), target: `${t.target.database}.${t.target.table}`, chunks });
    }
    const plan: FullLoadPlan = { position, tables: [...(existing?.tables ?? []), ...added] };
    await store.putPlan(plan);
    return plan;
  } finally {
    await src.end().catch(() => {});
  }
}

/**
 * Records in the plan where the source is once every chunk has been read (`FullLoadPlan.end`): the end
 * of the catch-up window. Once per plan; a plan extended with new tables is recorded again.
 */
export async function recordLoadEnd(task: Task, store: StateStore): Promise<void> {
  const plan = await store.getPlan();
  if (!plan || plan.end) return;
  const src = await connect('source', task.source);
  try {
    await store.putPlan({ ...plan, end: resumePointOf(await currentBinlogCoordinates(src)) });
  } finally {
    await src.end().catch(() => {});
  }
}

export async function runFullLoad(task: Task, tables: readonly TableMapping[], store: StateStore, options: FullLoadOptions): Promise<FullLoadSummary> {
  const started = performance.now();
  const throttle = new Throttle(task.advanced.throttle.full);
  const plan = await ensurePlan(task, tables, store, throttle);
  const work = new ChunkWorkList(plan, tables, await ChunkLedger.load(store), options.only);
  options.progress.start(work.progress());

  const totals: LoadTotals = { rows: 0, bytes: 0, loaded: 0, dirty: 0 };
  const { progress, signal, log } = options;
  const target = await openLoadTarget(task, store, work.items.length > 0, {
    throttle,
    onDirty: () => totals.dirty++,
    ...(log ? { log } : {}),
  });
  try {
    await loadChunks(work.items, { task, store, target, progress, totals, ...(signal ? { signal } : {}), ...(log ? { log } : {}) });
    await target.finish?.();
  } finally {
    progress.finish();
    await target.close().catch(() => {});
  }
  return {
    tables: work.tables.length,
    chunks: work.chunks,
    chunksLoaded: totals.loaded,
    rows: totals.rows,
    bytes: totals.bytes,
    dirtyRows: totals.dirty,
    seconds: (performance.now() - started) / 1000,
  };
}
