/**
 * Where a full load writes: one adapter per destination kind. Each load worker takes a ChunkTarget of
 * its own (for MySQL its own destination connection); rows the destination refuses go through the
 * dirty-data policy inside the adapter, which records them in the state store.
 */
import type { Connection } from 'mysql2/promise';
import type { StateStore } from '../state/state-store.ts';
import type { TableMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';
import type { Throttle } from '../throttle.ts';
import type { Chunk } from './chunk-planner.ts';
import type { ChunkLoadResult } from './chunk-query.ts';
import { destinationOf } from '../destinations/registry.ts';

export interface ChunkTarget {
  /** Loads the chunk's rows read from `source`; done when every row is written or set aside. */
  load(source: Connection, table: TableMapping, chunk: Chunk): Promise<ChunkLoadResult>;
  /** Cuts off what is in flight (an interrupted or failed chunk loads again). */
  destroy(): void;
  close(): Promise<void>;
}

export interface LoadTarget {
  worker(): Promise<ChunkTarget>;
  /**
   * Every chunk this run was to load is loaded: make visible what the destination holds back until
   * then (MaxCompute commits its upload sessions). A failure here fails the run.
   */
  finish?(): Promise<void>;
  /** Releases what the target holds; called after a failure too, and errors are ignored. */
  close(): Promise<void>;
}

export interface LoadTargetOptions {
  readonly throttle: Throttle;
  /** Told of each row set aside under `dirtyData: skip`. */
  readonly onDirty: () => void;
  readonly log?: (line: string) => void;
}

/** `willLoad`: some chunk is still to load (the MySQL module then asks the destination about LOAD DATA). */
export function openLoadTarget(task: Task, store: StateStore, willLoad: boolean, options: LoadTargetOptions): Promise<LoadTarget> {
  return destinationOf(task).openLoadTarget(task, store, willLoad, options);
}
