/**
 * The chunked full load: records the binlog position, plans every table into key-range chunks,
 * persists the plan, and loads the chunks not yet done with a pool of workers (each with its own
 * source and destination connection — the local stand-in for the fan-out of load-chunk invocations).
 * A chunk is recorded done only after its last batch is written, so a kill at any moment costs at
 * most the chunks in flight, which reload idempotently on the next run.
 */
import type { Connection } from 'mysql2/promise';
import { FcDtsError } from '../errors.ts';
import { connect, isConnectionProblem } from '../mysql/connection.ts';
import { currentBinlogCoordinates } from '../mysql/binlog-coordinates.ts';
import type { StateStore, PlannedTable, FullLoadPlan } from '../state/state-store.ts';
import { tableLabel, type TableMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';
import { Throttle } from '../throttle.ts';
import { planChunks, type Chunk } from './chunk-planner.ts';
import { openLoadTarget, type ChunkTarget } from './load-target.ts';
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
  readonly only?: ReadonlyArray<{ readonly table: string; readonly chunk: number }>;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

interface WorkItem {
  readonly table: TableMapping;
  readonly chunk: Chunk;
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

export async function runFullLoad(task: Task, tables: readonly TableMapping[], store: StateStore, options: FullLoadOptions): Promise<FullLoadSummary> {
  const started = performance.now();
  const throttle = new Throttle(task.advanced.throttle.full);
  const plan = await ensurePlan(task, tables, store, throttle);
  const done = new Set<string>();
  const doneRows = new Map<string, number>();
  for (const d of await store.doneChunks()) {
    done.add(`${d.table}\0${d.chunk}`);
    doneRows.set(d.table, (doneRows.get(d.table) ?? 0) + d.rows);
  }

  const byLabel = new Map(tables.map((t) => [tableLabel(t), t]));
  const only = options.only && new Set(options.only.map((o) => `${o.table}\0${o.chunk}`));
  const work: WorkItem[] = [];
  let chunks = 0;
  for (const p of plan.tables) {
    const table = byLabel.get(p.table);
    if (!table) continue; // no longer selected by the task
    chunks += p.chunks.length;
    for (const chunk of p.chunks) {
      const id = `${p.table}\0${chunk.index}`;
      if (!done.has(id) && (!only || only.has(id))) work.push({ table, chunk });
    }
  }
  options.progress.start(
    plan.tables.filter((p) => byLabel.has(p.table)).map((p) => ({
      table: p.table,
      target: p.target,
      chunksTotal: p.chunks.length,
      chunksDone: p.chunks.filter((c) => done.has(`${p.table}\0${c.index}`)).length,
      rows: doneRows.get(p.table) ?? 0,
      estimatedRows: byLabel.get(p.table)!.source.estimatedRows,
    })),
  );

  const totals = { rows: 0, bytes: 0, loaded: 0, dirty: 0 };
  const target = await openLoadTarget(task, store, work.length > 0, {
    throttle,
    onDirty: () => totals.dirty++,
    ...(options.log ? { log: options.log } : {}),
  });
  const workers = Math.max(1, Math.min(task.advanced.fullLoad.workers, work.length));
  let next = 0;
  let stop: unknown;
  const open = new Set<{ destroy(): void }>();
  const worker = async (): Promise<void> => {
    let conns: { src: Connection; dst: ChunkTarget } | undefined;
    try {
      while (stop === undefined && next < work.length) {
        if (options.signal?.aborted) throw options.signal.reason;
        const item = work[next++]!;
        const r = await withRetry(task, item, options, async () => {
          if (!conns) {
            conns = { src: await connect('source', task.source), dst: await target.worker() };
            open.add(conns.src).add(conns.dst);
          }
          try {
            return await conns.dst.load(conns.src, item.table, item.chunk);
          } catch (e) {
            for (const c of [conns.src, conns.dst]) {
              c.destroy();
              open.delete(c);
            }
            conns = undefined;
            throw e;
          }
        });
        await store.markChunkDone({ table: tableLabel(item.table), chunk: item.chunk.index, rows: r.rows, bytes: r.bytes });
        totals.rows += r.rows;
        totals.bytes += r.bytes;
        totals.loaded++;
        options.progress.update(tableLabel(item.table), r.rows, true);
      }
    } catch (e) {
      stop ??= e;
    } finally {
      await Promise.all([conns?.src.end().catch(() => {}), conns?.dst.close().catch(() => {})]);
    }
  };
  // Interrupted: the chunks in flight are cut off (their transactions roll back) and load again next run.
  const abort = () => {
    stop ??= options.signal?.reason;
    for (const c of open) c.destroy();
  };
  options.signal?.addEventListener('abort', abort);
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    options.signal?.removeEventListener('abort', abort);
    options.progress.finish();
    await target.close().catch(() => {});
  }
  if (stop !== undefined) throw stop;
  return {
    tables: plan.tables.filter((p) => byLabel.has(p.table)).length,
    chunks,
    chunksLoaded: totals.loaded,
    rows: totals.rows,
    bytes: totals.bytes,
    dirtyRows: totals.dirty,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Lost connections retry for retry.connectionMinutes, lock conflicts for otherMinutes, with backoff. */
async function withRetry<T>(task: Task, item: WorkItem, options: FullLoadOptions, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (options.signal?.aborted) throw options.signal.reason;
      const lost = isConnectionProblem(e);
      const transient = [1205, 1213].includes((e as { errno?: number }).errno ?? 0); // lock wait timeout, deadlock
      const minutes = lost ? task.advanced.retry.connectionMinutes : transient ? task.advanced.retry.otherMinutes : 0;
      if (Date.now() - started >= minutes * 60_000) throw e;
      const delay = Math.min(30_000, 500 * 2 ** attempt);
      options.log?.(`chunk ${item.chunk.index} of ${tableLabel(item.table)}: ${(e as Error).message}; retrying in ${delay / 1000}s`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
