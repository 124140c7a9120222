/**
 * The workers of a full-load run (the local stand-in for the fan-out of load-chunk invocations). Each
 * holds its own source connection and chunk target, opened at its first chunk and again after a failed
 * attempt; it loads a chunk with retry, records it done, then reports it. Interrupted, the chunks in
 * flight are cut off (their transactions roll back) and load again next run.
 */
import type { Connection } from 'mysql2/promise';
import { connect, isConnectionProblem } from '../mysql/connection.ts';
import type { StateStore } from '../state/state-store.ts';
import { tableLabel } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';
import type { ChunkLoadResult } from './chunk-query.ts';
import type { ChunkWorkItem } from './chunk-work-list.ts';
import type { ChunkTarget, LoadTarget } from './load-target.ts';
import type { ProgressReporter } from './progress.ts';
import { WorkerPool, type PoolWorker } from './worker-pool.ts';

/** What a run has done so far; `dirty` counts rows set aside. */
export interface LoadTotals {
  rows: number;
  bytes: number;
  loaded: number;
  dirty: number;
}

export interface ChunkRun {
  readonly task: Task;
  readonly store: StateStore;
  readonly target: LoadTarget;
  readonly progress: ProgressReporter;
  readonly totals: LoadTotals;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

type Destroyable = { destroy(): void };

/** Loads `items` with up to task.advanced.fullLoad.workers workers; rejects with the first failure or the abort's reason. */
export async function loadChunks(items: readonly ChunkWorkItem[], run: ChunkRun): Promise<void> {
  const workers = Math.max(1, Math.min(run.task.advanced.fullLoad.workers, items.length));
  const open = new Set<Destroyable>();
  await new WorkerPool(items, run.signal).run(
    workers,
    () => new ChunkWorker(run, open),
    () => {
      for (const c of open) c.destroy();
    },
  );
}

class ChunkWorker implements PoolWorker<ChunkWorkItem> {
  private conns: { src: Connection; dst: ChunkTarget } | undefined;

  /** `open`: the connections of every worker of the run, cut off together on abort. */
  constructor(
    private readonly chunkRun: ChunkRun,
    private readonly open: Set<Destroyable>,
  ) {}

  async run(item: ChunkWorkItem): Promise<void> {
    const { store, totals, progress } = this.chunkRun;
    const r = await withRetry(this.chunkRun, item, () => this.load(item));
    await store.markChunkDone({ table: tableLabel(item.table), chunk: item.chunk.index, rows: r.rows, bytes: r.bytes });
    totals.rows += r.rows;
    totals.bytes += r.bytes;
    totals.loaded++;
    progress.update(tableLabel(item.table), r.rows, true);
  }

  async close(): Promise<void> {
    await Promise.all([this.conns?.src.end().catch(() => {}), this.conns?.dst.close().catch(() => {})]);
  }

  /** One attempt; a failed one leaves no connection behind for the next. */
  private async load(item: ChunkWorkItem): Promise<ChunkLoadResult> {
    const conns = (this.conns ??= await this.connect());
    try {
      return await conns.dst.load(conns.src, item.table, item.chunk);
    } catch (e) {
      for (const c of [conns.src, conns.dst]) {
        c.destroy();
        this.open.delete(c);
      }
      this.conns = undefined;
      throw e;
    }
  }

  private async connect(): Promise<{ src: Connection; dst: ChunkTarget }> {
    const src = await connect('source', this.chunkRun.task.source);
    this.open.add(src);
    try {
      const dst = await this.chunkRun.target.worker();
      this.open.add(dst);
      return { src, dst };
    } catch (e) {
      // The destination did not open: the source connection would otherwise stay open until the process ends.
      src.destroy();
      this.open.delete(src);
      throw e;
    }
  }
}

/** Lost connections retry for retry.connectionMinutes, lock conflicts for otherMinutes, with backoff. */
async function withRetry<T>(run: ChunkRun, item: ChunkWorkItem, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (run.signal?.aborted) throw run.signal.reason;
      const lost = isConnectionProblem(e);
      const transient = [1205, 1213].includes((e as { errno?: number }).errno ?? 0); // lock wait timeout, deadlock
      const minutes = lost ? run.task.advanced.retry.connectionMinutes : transient ? run.task.advanced.retry.otherMinutes : 0;
      if (Date.now() - started >= minutes * 60_000) throw e;
      const delay = Math.min(30_000, 500 * 2 ** attempt);
      run.log?.(`chunk ${item.chunk.index} of ${tableLabel(item.table)}: ${(e as Error).message}; retrying in ${delay / 1000}s`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
