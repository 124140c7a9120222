/** The validated task: what the task file says, with every default filled in. */
import type { DestinationConfig } from '../destinations/registry.ts';

export type SourceType = 'mysql' | 'polardb-mysql' | 'polardb-x';
export type SyncType = 'schema' | 'full' | 'incremental';
export type Operation = 'insert' | 'update' | 'delete';
export type ConflictMode = 'precheck-and-report' | 'ignore-and-proceed';
export type DirtyDataPolicy = 'skip' | 'block';
/** `default` keeps source spelling for MySQL destinations (the hosted product's default policy). */
export type Capitalization = 'default' | 'source' | 'lower' | 'upper';

export interface MysqlEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly ssl: boolean;
}

export interface SourceConfig extends MysqlEndpoint {
  readonly type: SourceType;
}

/** Each destination kind's config is its module's (shared/destinations/<kind>/config.ts). */
export type { DestinationConfig, DestinationType } from '../destinations/registry.ts';
export interface TableSelection {
  readonly name: string;
  readonly as?: string;
  readonly where?: string;
  readonly operations?: readonly Operation[];
  /** Source column → destination column, in the order given; absent means every column. */
  readonly columns?: ReadonlyArray<readonly [string, string]>;
  readonly primaryKey?: readonly string[];
}

export interface ObjectSelection {
  readonly database: string;
  readonly as?: string;
  /** Absent: the whole database, with its views, triggers, procedures and functions. */
  readonly tables?: readonly TableSelection[];
}

export interface Throttle {
  readonly sourceQps?: number;
  readonly rps?: number;
  readonly mbps?: number;
}

export interface FullLoadSettings {
  /** Parallel chunk loaders (the stand-in for the fan-out invocations). */
  readonly workers: number;
  /** Target rows per chunk. */
  readonly chunkRows: number;
  /** Rows per multi-row INSERT. */
  readonly batchRows: number;
  /** Upper bound on the bytes of one INSERT statement. */
  readonly batchBytes: number;
  /** Load chunks with LOAD DATA LOCAL INFILE where the destination allows it (else multi-row INSERTs). */
  readonly loadData: boolean;
}

export interface IncrementalSettings {
  /** Buckets the changes are spread over by (table, key): the parallelism of the apply side. */
  readonly buckets: number;
  /** Destination connections applying batches in parallel. */
  readonly workers: number;
  /** A bucket's batch closes at this many changes, bytes or milliseconds. */
  readonly batchChanges: number;
  readonly batchBytes: number;
  readonly batchMs: number;
  /**
   * Batches are also closed whenever the reader has nothing more waiting (a quiet source sees its
   * changes at once); false where every batch costs the destination a file (MaxCompute), so batches
   * wait for their size or age.
   */
  readonly flushWhenIdle: boolean;
}

export interface Task {
  readonly name: string;
  readonly source: SourceConfig;
  readonly destination: DestinationConfig;
  readonly sync: {
    readonly types: ReadonlySet<SyncType>;
    readonly operations: ReadonlySet<Operation>;
    readonly ddl: boolean;
    readonly conflictMode: ConflictMode;
    readonly dirtyData: DirtyDataPolicy;
    readonly capitalization: Capitalization;
  };
  readonly objects: readonly ObjectSelection[];
  readonly advanced: {
    readonly retry: { readonly connectionMinutes: number; readonly otherMinutes: number };
    readonly throttle: { readonly full: Throttle; readonly incremental: Omit<Throttle, 'sourceQps'> };
    readonly heartbeat: boolean;
    readonly alert?: { readonly lagSeconds?: number; readonly webhook?: string };
    readonly fullLoad: FullLoadSettings;
    readonly incremental: IncrementalSettings;
  };
}
