/**
 * Where incremental sync sends its batches and how it keeps its progress: the destination itself
 * (standalone, the default), or the destination's queue (the serverless reader, distributed/queue-reader.ts).
 */
import { isAfter, type BinlogPosition, type SourceCheckpoint } from '../change/position.ts';
import { openSink } from '../apply/open-sink.ts';
import type { Sink } from '../apply/sink.ts';
import type { RetryingBucket } from '../apply/apply-failure.ts';
import type { StateStore } from '../state/state-store.ts';
import type { DatabaseMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';

export interface IncrementalTarget {
  readonly sink: Sink;
  /** Where reading starts; default: the store's checkpoint, else the full load's position. */
  readonly start?: SourceCheckpoint;
  /** Per bucket, the last position sent before `start`: the `prev` of each bucket's first batch. */
  readonly lastSent?: ReadonlyMap<number, BinlogPosition>;
  /** Saves the resume point; `lastSent` has, per bucket, the last change sent before it. */
  saveCheckpoint(checkpoint: SourceCheckpoint, lastSent: ReadonlyMap<number, BinlogPosition>): Promise<void>;
  /**
   * Resolves once the destination has applied every bucket up to these positions (a DDL barrier).
   * Absent: the sink applies a batch before it returns, so draining is enough.
   */
  appliedThrough?(positions: ReadonlyMap<number, BinlogPosition>): Promise<void>;
  /**
   * The buckets held by a batch that failed where it is applied (the apply-changes functions).
   * Absent: the dispatcher applies, and knows them itself.
   */
  heldBuckets?(): Promise<RetryingBucket[]>;
}

/** The destination's own sink, the checkpoint in the task's state store. */
export async function standaloneTarget(task: Task, dbs: readonly DatabaseMapping[], store: StateStore, connections: number): Promise<IncrementalTarget> {
  return {
    sink: await openSink(task, dbs, { connections, store }),
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
