/**
 * The StateStore port: what a task remembers between runs. The standalone runner keeps it in a
 * directory (file-state-store.ts); the serverless pipeline keeps it in a Tablestore table.
 */
import type { RetryingBucket } from '../apply/apply-failure.ts';
import type { BinlogCoordinates, BinlogPosition, ReaderCheckpoint, ResumePoint } from '../change/position.ts';
import type { Chunk } from '../fullload/chunk-planner.ts';
import type { SerializedHistory } from '../schema-history/schema-history.ts';

export type Phase = 'new' | 'schema' | 'full-load' | 'full-done' | 'incremental';

/** What `fc-dts status` shows of incremental sync. */
export interface IncrementalStatus {
  /** Seconds between the source commit of the oldest change not yet applied (or the last applied one) and now. */
  readonly lagSeconds: number;
  readonly rowsPerSecond: number;
  /** Row changes applied since the task began incremental sync. */
  readonly applied: number;
  readonly checkpoint: ReaderCheckpoint;
  readonly ddlFailures: number;
  /** DDL statements on synchronized tables left unapplied (Tablestore takes no DDL; sync.ddl off; a column-mapped table), since incremental sync began. */
  readonly ddlSkipped?: number;
  readonly lastDdlSkipped?: SkippedDdl;
  /** Buckets held by a batch that failed and is being retried (absent: none). */
  readonly retrying?: readonly RetryingBucket[];
  readonly updatedAt: string;
}

/** A DDL statement incremental sync did not apply to the destination. */
export interface SkippedDdl {
  /** Its leading keywords: "ALTER TABLE", "TRUNCATE TABLE", "DROP TABLE". */
  readonly statement: string;
  /** The synchronized source tables it names ("db.table"). */
  readonly tables: readonly string[];
  readonly pos: BinlogPosition;
  /** Source commit time. */
  readonly at: string;
  /** Why it was not applied, and what that leaves in the destination. */
  readonly reason: string;
}

export interface TaskState {
  readonly phase: Phase;
  /** Destination tables ("db.table", lower-case) this task created: not name conflicts on resume. */
  readonly ownedTables: readonly string[];
  readonly schemaDone: boolean;
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: string };
  readonly incremental?: IncrementalStatus;
  readonly updatedAt: string;
}

export interface PlannedTable {
  /** Source "db.table". */
  readonly table: string;
  /** Destination "db.table". */
  readonly target: string;
  readonly chunks: readonly Chunk[];
}

export interface FullLoadPlan {
  /** Recorded before the first chunk was read: incremental sync starts here. */
  readonly position: BinlogCoordinates;
  readonly tables: readonly PlannedTable[];
  /**
   * The source's position once every chunk was read (absent until then). Chunks are read at different
   * times, so until incremental sync passes it the destination can hold rows ahead of the binlog being
   * replayed: the catch-up window (docs/architecture.md §3.13).
   */
  readonly end?: ResumePoint;
}

export interface ChunkDone {
  readonly table: string;
  readonly chunk: number;
  readonly rows: number;
  readonly bytes: number;
}

/** A row the destination rejected under the skip policy: recorded, never silently dropped. */
export interface DirtyRecord {
  readonly table: string;
  readonly phase: 'full-load' | 'incremental';
  /** Where it came from: the chunk, or later the binlog position. */
  readonly position: string;
  readonly reason: string;
  /** The row as SQL literals, `(v1,v2,...)`. */
  readonly row: string;
  readonly at: string;
}

export interface StateStore {
  getTaskState(): Promise<TaskState | undefined>;
  putTaskState(state: TaskState): Promise<void>;
  getPlan(): Promise<FullLoadPlan | undefined>;
  putPlan(plan: FullLoadPlan): Promise<void>;
  /** Durable before it returns: a chunk recorded done is never loaded again. */
  markChunkDone(done: ChunkDone): Promise<void>;
  doneChunks(): Promise<ChunkDone[]>;
  recordDirty(record: DirtyRecord): Promise<void>;
  getCheckpoint(): Promise<ReaderCheckpoint | undefined>;
  /** Written only after every change before it is applied in the destination. */
  putCheckpoint(checkpoint: ReaderCheckpoint): Promise<void>;
  dirtyRecords(): Promise<DirtyRecord[]>;
  /** The tracked tables' definitions through the binlog (schema-history.ts); undefined before the snapshot recorded one. */
  getSchemaHistory(): Promise<SerializedHistory | undefined>;
  /** Replaces the stored history as a whole, atomically: a reader sees the old one or the new one. */
  putSchemaHistory(history: SerializedHistory): Promise<void>;
}

/** A record a destination keeps per bucket in the state store (BucketRecords), with the version it was written at. */
export interface VersionedRecord {
  /** 1 for the first write, one more for each after it. */
  readonly version: number;
  readonly value: string;
}

/**
 * Small records per destination bucket, written by compare-and-set on their version: the apply
 * bookkeeping of a destination that cannot keep it beside its rows (MaxCompute's log commits). Safe
 * with several appliers: of two writes expecting the same version, one wins.
 */
export interface BucketRecords {
  getBucketRecord(name: string, bucket: number): Promise<VersionedRecord | undefined>;
  /** Writes `value` at version `expected + 1` (1 when `expected` is undefined: the record must not exist); false when the record is not at `expected`. */
  putBucketRecord(name: string, bucket: number, expected: number | undefined, value: string): Promise<boolean>;
}

export function initialTaskState(): TaskState {
  return { phase: 'new', ownedTables: [], schemaDone: false, updatedAt: new Date().toISOString() };
}
