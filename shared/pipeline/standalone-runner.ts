/**
 * `fc-dts run` on one machine: precheck, schema synchronization, full load — each phase once, its
 * completion persisted in the state store, so a later run resumes where an earlier one stopped — then
 * incremental sync from the position the full load recorded (or the last checkpoint).
 */
import { FcDtsError } from '../errors.ts';
import { connect, isConnectionProblem } from '../mysql/connection.ts';
import { readCatalog } from '../mysql/catalog.ts';
import { runPrecheck, formatPrecheckReport } from '../precheck/precheck.ts';
import { destinationOf } from '../destinations/registry.ts';
import { planFullLoad, recordLoadEnd, runFullLoad, type FullLoadSummary } from '../fullload/full-load.ts';
import { createProgressReporter, type ProgressStream } from '../fullload/progress.ts';
import { initialTaskState, type FullLoadPlan, type StateStore, type TaskState } from '../state/state-store.ts';
import { allTables, resolveObjects, type DatabaseMapping } from '../task/object-mapper.ts';
import type { Task } from '../task/task.ts';
import type { SchemaSyncReport } from '../destinations/destination.ts';
import { runIncremental, type IncrementalSummary } from '../incremental/incremental-sync.ts';
import { checkSnapshotStillHolds } from '../incremental/schema-history-keeper.ts';

export type RunUntil = 'full-done' | 'caught-up';

export interface RunOptions {
  readonly until?: RunUntil;
  /** Plan the full load without loading it, and stop there: the serverless pipeline fans the chunks out. */
  readonly planOnly?: boolean;
  readonly signal?: AbortSignal;
  readonly out: ProgressStream;
  readonly log: (line: string) => void;
}

export interface RunSummary {
  readonly schema?: SchemaSyncReport;
  readonly fullLoad?: FullLoadSummary;
  readonly plan?: FullLoadPlan;
  readonly incremental?: IncrementalSummary;
  readonly state: TaskState;
}

/** Reads the source catalog and resolves the task's objects against it. */
export async function resolveTask(task: Task): Promise<DatabaseMapping[]> {
  const src = await connect('source', task.source);
  try {
    const catalog = await readCatalog(src, task.objects.map((o) => o.database));
    return resolveObjects(task, catalog);
  } finally {
    await src.end().catch(() => {});
  }
}

export async function runTask(task: Task, store: StateStore, options: RunOptions): Promise<RunSummary> {
  const run = new StandaloneRun(task, store, options, (await store.getTaskState()) ?? initialTaskState());
  try {
    return await run.phases();
  } catch (e) {
    if (!options.signal?.aborted) await run.recordError(e);
    throw e;
  }
}

/** One `fc-dts run`: each phase not yet done, its completion saved in the task state before the next. */
class StandaloneRun {
  private readonly summary: { schema?: SchemaSyncReport; fullLoad?: FullLoadSummary; plan?: FullLoadPlan; incremental?: IncrementalSummary } = {};

  constructor(
    private readonly task: Task,
    private readonly store: StateStore,
    private readonly options: RunOptions,
    private state: TaskState,
  ) {}

  async phases(): Promise<RunSummary> {
    if (this.state.phase === 'new') await this.precheck();
    const dbs = await resolveTask(this.task);
    if (this.task.sync.types.has('schema') && !this.state.schemaDone) await this.schema(dbs);
    if (this.state.phase === 'schema' || this.state.phase === 'full-load') {
      if (this.task.sync.types.has('full') && this.options.planOnly) return this.planOnly(dbs);
      if (this.task.sync.types.has('full')) await this.fullLoad(dbs);
      await this.save({ phase: 'full-done' });
    }
    if (this.options.until !== 'full-done') await this.incremental(dbs);
    return { ...this.summary, state: this.state };
  }

  async recordError(e: unknown): Promise<void> {
    const err = e as { code?: string; message?: string };
    const lastError = { code: err.code ?? 'INTERNAL', message: err.message ?? String(e), at: new Date().toISOString() };
    // Buckets noted as retrying are no longer retried once the run has stopped.
    await this.save({ lastError }, ({ incremental }) => (incremental ? { incremental: { ...incremental, retrying: undefined } } : {})).catch(() => {});
  }

  private async save(patch: Partial<TaskState>, also?: (current: TaskState) => Partial<TaskState>): Promise<void> {
    // Re-read: incremental sync updates its status in the same record while it runs.
    const current = (await this.store.getTaskState()) ?? this.state;
    this.state = { ...current, ...also?.(current), ...patch, updatedAt: new Date().toISOString() };
    await this.store.putTaskState(this.state);
  }


  private async precheck(): Promise<void> {
    const report = await runPrecheck(this.task, { ownedTables: new Set(this.state.ownedTables) });
    this.options.log(formatPrecheckReport(report));
    if (!report.ok) {
      throw new FcDtsError('PRECHECK_FAILED', `precheck failed for task ${this.task.name}: nothing was written to the destination`, 'fix the failed items above and run again');
    }
    await this.save({ phase: 'schema' });
  }

  /** Each table's ownership is saved before it is created, so a rerun knows the tables it made. */
  private async schema(dbs: readonly DatabaseMapping[]): Promise<void> {
    const { log } = this.options;
    log('schema synchronization ...');
    const owned = new Set(this.state.ownedTables);
    const onCreating = async (table: string) => {
      owned.add(table);
      await this.save({ ownedTables: [...owned] });
    };
    const r = await destinationOf(this.task).syncSchema(this.task, dbs, { conflictMode: this.task.sync.conflictMode, ownedTables: owned, onCreating, log });
    this.summary.schema = r;
    log(`schema: ${r.created.length} created, ${r.kept.length} kept, ${r.failed.length} failed${r.failed.map((f) => `\n  failed ${f.object}: ${f.error}`).join('')}`);
    for (const w of r.warnings) log(`  warning: ${w}`);
    await this.save({ schemaDone: true, phase: 'full-load' });
  }

  /** The serverless pipeline fans the chunks out: plan them and stop. */
  private async planOnly(dbs: readonly DatabaseMapping[]): Promise<RunSummary> {
    await this.save({ phase: 'full-load' });
    this.summary.plan = await planFullLoad(this.task, allTables(dbs), this.store);
    return { ...this.summary, state: this.state };
  }

  private async fullLoad(dbs: readonly DatabaseMapping[]): Promise<void> {
    const { task, store, options } = this;
    options.log(`full load of ${allTables(dbs).length} tables with ${task.advanced.fullLoad.workers} workers ...`);
    await this.save({ phase: 'full-load' });
    this.summary.fullLoad = await runFullLoad(task, allTables(dbs), store, {
      progress: createProgressReporter(options.out),
      ...(options.signal ? { signal: options.signal } : {}),
      log: options.log,
    });
    const plan = await store.getPlan();
    if (plan) await checkSnapshotStillHolds(task, store, plan.position);
    await recordLoadEnd(task, store);
  }

  private async incremental(dbs: readonly DatabaseMapping[]): Promise<void> {
    const { task, store, options } = this;
    await this.save({ phase: 'incremental' });
    options.log(options.until === 'caught-up' ? 'incremental sync until caught up with the source ...' : 'incremental sync (Ctrl-C to stop) ...');
    this.summary.incremental = await withReconnects(task, options, () =>
      runIncremental(task, dbs, store, {
        ...(options.until === 'caught-up' ? { until: 'caught-up' as const } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        log: options.log,
      }),
    );
    this.state = (await store.getTaskState()) ?? this.state;
  }
}

/**
 * A lost source or destination connection restarts incremental sync from its checkpoint (safe: the
 * watermarks skip what was applied) with backoff, for up to retry.connectionMinutes of failures in a row.
 */
async function withReconnects<T>(task: Task, options: RunOptions, run: () => Promise<T>): Promise<T> {
  let failingSince: number | undefined;
  for (let attempt = 0; ; attempt++) {
    const started = Date.now();
    try {
      return await run();
    } catch (e) {
      if (options.signal?.aborted || !isConnectionProblem(e)) throw e;
      if (Date.now() - started > 60_000) {
        failingSince = undefined; // it ran a while: a new outage, a new window
        attempt = 0;
      }
      failingSince ??= started;
      if (Date.now() - failingSince > task.advanced.retry.connectionMinutes * 60_000) throw e;
      const delay = Math.min(30_000, 1000 * 2 ** attempt);
      options.log(`incremental sync: ${(e as Error).message}; reconnecting in ${delay / 1000} s (retrying for up to ${task.advanced.retry.connectionMinutes} minutes)`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
