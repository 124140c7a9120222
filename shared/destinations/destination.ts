/**
 * The Destination port: everything the pipeline needs of one kind of destination, behind one
 * interface (the shape of Flink CDC's DataSourceDialect and Debezium's connector SPI). Each kind is
 * one folder under shared/destinations/ whose index.ts exports its module; registry.ts maps
 * `destination.type` to it, and no other code asks which kind a task writes to.
 * docs/adding-a-destination.md is the checklist a new kind follows.
 */
import type { Connection } from 'mysql2/promise';
import type { Sink } from '../apply/sink.ts';
import type { TableRef } from '../change/change-event.ts';
import type { LoadTarget, LoadTargetOptions } from '../fullload/load-target.ts';
import type { TableInfo } from '../mysql/catalog.ts';
import type { DdlKind, DdlTranslation } from '../incremental/ddl-translator.ts';
import type { CheckResult } from '../precheck/check-result.ts';
import type { StateStore } from '../state/state-store.ts';
import type { DatabaseMapping } from '../task/object-mapper.ts';
import type { Obj } from '../task/task-file-reader.ts';
import type { ObjectSelection, Task } from '../task/task.ts';
import type { VerifyOptions, VerifyReport, VerifySettings } from '../verify/verify-report.ts';

/** What every destination config has: its kind. */
export interface DestinationConfigBase {
  readonly type: string;
}

/** A task whose destination is of kind `C`: what a module's methods receive. */
export type TaskOf<C extends DestinationConfigBase> = Omit<Task, 'destination'> & { readonly destination: C };

export interface SchemaSyncReport {
  /** Tables as "db.table" (destination names); other objects as "<kind> db.name", e.g. "view shop.v_orders". */
  readonly created: readonly string[];
  /** Destination tables that already existed: owned from an earlier run, or kept under ignore-and-proceed. */
  readonly kept: readonly string[];
  readonly warnings: readonly string[];
  readonly failed: ReadonlyArray<{ readonly object: string; readonly error: string }>;
}

export interface SchemaSyncOptions {
  readonly conflictMode: 'precheck-and-report' | 'ignore-and-proceed';
  /** Destination tables this task created in an earlier, interrupted run (as the module's `ownershipKey` names them): reuse them. */
  readonly ownedTables: ReadonlySet<string>;
  /** Called with a table's ownership key right BEFORE it is created, so the caller can persist ownership first. */
  readonly onCreating?: (table: string) => Promise<void>;
  readonly log?: (line: string) => void;
}

export interface OpenSinkOptions {
  /** Destination connections (MySQL): buckets applied in parallel. */
  readonly connections: number;
  /** Other processes apply the same buckets (the serverless apply-changes instances): this one's identity. */
  readonly sharedAs?: string;
  /** The task's state store (a kind that keeps its apply bookkeeping there uses it). */
  readonly store: StateStore;
}

export interface DestinationCheckContext {
  /** The resolved objects; absent when the source could not be read (items that need them are left out). */
  readonly mapping?: readonly DatabaseMapping[];
  /** The source connection, when the source answered (items that compare both sides use it). */
  readonly source?: Connection;
  /** Destination tables fc-dts created itself in an earlier run of this task: not name conflicts. */
  readonly ownedTables: ReadonlySet<string>;
}

/** The destination side of a precheck: connected (or not) when opened, so both sides connect at once. */
export interface DestinationPrecheck {
  /** The connectivity item. */
  readonly connectivity: CheckResult;
  /** The items after connectivity. */
  checks(context: DestinationCheckContext): Promise<CheckResult[]>;
  close(): Promise<void>;
}

/**
 * Whether incremental sync applies DDL to this kind: every statement (then how it reads tables back
 * after one), none (then what a statement leaves behind), or some (the kind's sink reads each statement
 * it takes; tables are not relearned, so every column keeps flowing to it).
 */
export type DdlPolicy<C extends DestinationConfigBase> =
  | { readonly applies: true; openCatalog(task: TaskOf<C>): Promise<DestinationCatalog> }
  | { readonly applies: false; refusal(kind: DdlKind): string }
  | { readonly applies: 'some'; refusal(statement: DdlTranslation, config: C): string | undefined };

/** Destination tables as the destination defines them (read after a DDL, to map later changes to them). */
export interface DestinationCatalog {
  /** Undefined when the table is not there (dropped or renamed away). */
  table(target: TableRef): Promise<TableInfo | undefined>;
  close(): Promise<void>;
}

/** The task-file keys the kind owns, and what it restricts in the rest of the task. */
export interface DestinationTaskFile<C extends DestinationConfigBase> {
  /** Validates `destination.*` (every key named in errors as `destination.<key>`). */
  parse(d: Obj): C;
  /** Default of `sync.ddl`. */
  readonly ddlDefault: boolean;
  /** Refuses settings elsewhere in the task this kind cannot honour. */
  checkTask?(objects: readonly ObjectSelection[], sync: { readonly ddl: boolean }, advanced: Task['advanced']): void;
  /** Incremental buckets and apply workers when the kind sets them itself (else `advanced.incremental` does). */
  parallelism?(config: C, incremental: Obj): { readonly buckets: number; readonly workers: number };
  /** The kind's defaults for `advanced.incremental` batches, where they differ (see IncrementalSettings). */
  readonly batching?: BatchDefaults;
  /** Secrets in the config, scrubbed from every message and report. */
  secrets(config: C): string[];
}

/** Defaults of `advanced.incremental.batchChanges`, `batchBytes` and `batchMs`, and whether batches close when the reader is idle. */
export interface BatchDefaults {
  readonly batchChanges: number;
  readonly batchBytes: number;
  readonly batchMs: number;
  readonly flushWhenIdle: boolean;
}

export interface Destination<C extends DestinationConfigBase> {
  readonly type: C['type'];
  /** The kind as people name it: "MySQL", "Tablestore". */
  readonly label: string;
  readonly taskFile: DestinationTaskFile<C>;
  /** The service's limits fc-dts enforces (names and values as its documentation gives them). */
  readonly limits: Readonly<Record<string, number>>;
  readonly ddl: DdlPolicy<C>;
  /** Changes carry their binlog event's column types: the kind types each value itself (schemaless columns). */
  readonly typedChanges: boolean;
  /**
   * The kind enforces unique keys beside the primary key, so the changes of a table with such keys
   * must apply in binlog order (incremental/change-mapper.ts `ordered`, docs/architecture.md §3.13).
   */
  readonly enforcesUniqueKeys: boolean;
  /**
   * The kind writes an update's before image whole (MaxCompute's log tables): large unchanged or
   * changed values stay in it instead of being left out (change-mapper.ts leanBefore).
   */
  readonly logsBeforeImages?: boolean;

  /** The destination as `status` and the demo name it (never a secret). */
  describe(config: C): string;
  /** A destination table as messages name it. */
  describeTable(target: TableRef): string;
  /** Two targets with the same identity are the same destination table (the kind's namespace and case rules). */
  tableIdentity(target: TableRef): string;

  openPrecheck(task: TaskOf<C>): Promise<DestinationPrecheck>;
  syncSchema(task: TaskOf<C>, dbs: readonly DatabaseMapping[], options: SchemaSyncOptions): Promise<SchemaSyncReport>;
  /** `willLoad`: some chunk is still to load. */
  openLoadTarget(task: TaskOf<C>, store: StateStore, willLoad: boolean, options: LoadTargetOptions): Promise<LoadTarget>;
  openSink(task: TaskOf<C>, dbs: readonly DatabaseMapping[], options: OpenSinkOptions): Promise<Sink>;
  verify(task: TaskOf<C>, settings: VerifySettings, options: VerifyOptions): Promise<VerifyReport>;
  /** What `fc-dts status` adds for this kind (read from the task's state store), one line each. */
  statusLines?(task: TaskOf<C>, store: StateStore): Promise<string[]>;
}
