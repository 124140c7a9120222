/** The validated task: what the task file (DESIGN §4) says, with every default filled in. */

export type SourceType = 'mysql' | 'polardb-mysql' | 'polardb-x';
export type DestinationType = 'mysql' | 'tablestore';
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

export interface MysqlDestinationConfig extends MysqlEndpoint {
  readonly type: 'mysql';
}

/** Tablestore's write modes: `overwrite` replaces the whole row (PutRow), `update` sets the changed columns (UpdateRow). */
export type TablestoreWriteMode = 'overwrite' | 'update';

export interface TablestoreDestinationConfig {
  readonly type: 'tablestore';
  /** `https://<instance>.<region>.ots.aliyuncs.com`, or the stand-in's `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly instance: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
  readonly writeMode: TablestoreWriteMode;
  /** Only BatchWriteRow: the task-file validator refuses bulkImport (README, "Tablestore"). */
  readonly batchWriteMode: 'batchWriteRow';
  /** Rows held waiting for a BatchWriteRow request before producers wait (the reference's "Queue Size"). */
  readonly queueSize: number;
  /** Workers applying change batches and handling their write results ("Thread Quantity"). */
  readonly threads: number;
  /** BatchWriteRow requests in flight at once per process ("Concurrency"). */
  readonly concurrency: number;
  /** Incremental buckets, written in order each ("Buckets"); at most `concurrency`. */
  readonly buckets: number;
  /** Tables the instance may hold (64 unless Tablestore support raised it). */
  readonly maxTables: number;
}

export type DestinationConfig = MysqlDestinationConfig | TablestoreDestinationConfig;

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
