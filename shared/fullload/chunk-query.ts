/** What the two chunk loaders share: their settings, their result, and the source query of a chunk. */
import type { Connection as CallbackConnection } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { qualified } from '../mysql/identifier.ts';
import { renderWhereSql } from '../filter/where-filter.ts';
import type { TableMapping } from '../task/object-mapper.ts';
import type { Throttle } from '../throttle.ts';
import { chunkCondition, keyOrder, type Chunk } from './chunk-planner.ts';

export interface ChunkLoadSettings {
  readonly batchRows: number;
  readonly batchBytes: number;
  readonly throttle: Throttle;
  /** Use LOAD DATA LOCAL INFILE first (the destination's local_infile is ON). */
  readonly loadData: boolean;
  /** Called for a batch the destination rejected (not a lost connection); returns the rows written or throws to stop. */
  readonly onRejectedBatch: (rows: readonly string[], error: unknown, insertHead: string, insertTail: string) => Promise<number>;
  /** Told when a chunk falls back from LOAD DATA to inserts, with the reason. */
  readonly onFallback?: (reason: string) => void;
}

export interface ChunkLoadResult {
  readonly rows: number;
  readonly bytes: number;
}

/** The chunk's rows in key order, as `columns` (select expressions), filter applied. */
export function chunkSelect(table: TableMapping, chunk: Chunk, columns: string): string {
  const t = table.source;
  const where = table.where ? ` AND (${renderWhereSql(table.where)})` : '';
  return `SELECT ${columns} FROM ${qualified(t.database, t.name)} WHERE ${chunkCondition(table.key, chunk)}${where} ORDER BY ${keyOrder(table.key)}`;
}

/** The promise wrapper has no row events; the callback connection underneath streams them. */
export function streamingConnection(conn: Connection): CallbackConnection {
  return (conn as unknown as { connection: CallbackConnection }).connection;
}

/**
 * Writes a chunk's batches one after another while its rows keep streaming in: the source is paused
 * while two batches wait (one being written, one full), so memory holds at most three batches.
 * The first failure stops further writes; `done` resolves when the last write has finished.
 */
export class WriteBehind<B> {
  private writes: Promise<void> = Promise.resolve();
  private inflight = 0;
  private paused = false;
  private failure: unknown;

  constructor(
    private readonly source: CallbackConnection,
    private readonly write: (batch: B) => Promise<void>,
  ) {}

  flush(batch: B): void {
    this.inflight++;
    this.writes = this.writes
      .then(() => (this.failure ? undefined : this.write(batch)))
      .catch((e: unknown) => {
        this.failure ??= e;
      })
      .finally(() => {
        this.inflight--;
        if (this.paused && this.inflight < 2) {
          this.paused = false;
          this.source.resume();
        }
      });
    if (this.inflight >= 2 && !this.paused) {
      this.paused = true;
      this.source.pause();
    }
  }

  async done(): Promise<void> {
    await this.writes;
    if (this.failure) throw this.failure;
  }
}
