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
import { planFullLoad, runFullLoad, type FullLoadSummary } from '../fullload/full-load.ts';
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
  let state = (await store.getTaskState()) ?? initialTaskState();
  const save = async (patch: Partial<TaskState>) => {
    // Re-read: incremental sync updates its status in the same record while it runs.
    state = { ...((await store.getTaskState()) ?? state), ...patch, updatedAt: new Date().toISOString() };
    await store.putTaskState(state);
  };
  const summary: { schema?: SchemaSyncReport; fullLoad?: FullLoadSummary; plan?: FullLoadPlan; incremental?: IncrementalSummary } = {};
  try {
    if (state.phase === 'new') {
      const report = await runPrecheck(task, { ownedTables: new Set(state.ownedTables) });
      options.log(formatPrecheckReport(report));
      if (!report.ok) {
        throw new FcDtsError('PRECHECK_FAILED', `precheck failed for task ${task.name}: nothing was written to the destination`, 'fix the failed items above and run again');
      }
      await save({ phase: 'schema' });
    }
    const dbs = await resolveTask(task);

    if (task.sync.types.has('schema') && !state.schemaDone) {
      options.log('schema synchronization ...');
      const owned = new Set(state.ownedTables);
      const schemaOptions = {
        conflictMode: task.sync.conflictMode,
        ownedTables: owned,
        onCreating: async (table: string) => {
          owned.add(table);
          await save({ ownedTables: [...owned] });
        },
        log: options.log,
      };
      summary.schema = await destinationOf(task).syncSchema(task, dbs, schemaOptions);
      const r = summary.schema;
      options.log(`schema: ${r.created.length} created, ${r.kept.length} kept, ${r.failed.length} failed${r.failed.map((f) => `\n  failed ${f.object}: ${f.error}`).join('')}`);
      for (const w of r.warnings) options.log(`  warning: ${w}`);
      await save({ schemaDone: true, phase: 'full-load' });
    }

    if (state.phase === 'schema' || state.phase === 'full-load') {
      if (task.sync.types.has('full') && options.planOnly) {
        await save({ phase: 'full-load' });
        summary.plan = await planFullLoad(task, allTables(dbs), store);
        return { ...summary, state };
      }
      if (task.sync.types.has('full')) {
        options.log(`full load of ${allTables(dbs).length} tables with ${task.advanced.fullLoad.workers} workers ...`);
        await save({ phase: 'full-load' });
        summary.fullLoad = await runFullLoad(task, allTables(dbs), store, {
          progress: createProgressReporter(options.out),
          ...(options.signal ? { signal: options.signal } : {}),
          log: options.log,
        });
        const plan = await store.getPlan();
        if (plan) await checkSnapshotStillHolds(task, store, plan.position);
      }
      await save({ phase: 'full-done' });
    }
    if (options.until !== 'full-done') {
      await save({ phase: 'incremental' });
      options.log(options.until === 'caught-up' ? 'incremental sync until caught up with the source ...' : 'incremental sync (Ctrl-C to stop) ...');
      summary.incremental = await withReconnects(task, options, () =>
        runIncremental(task, dbs, store, {
          ...(options.until === 'caught-up' ? { until: 'caught-up' as const } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          log: options.log,
        }),
      );
      state = (await store.getTaskState()) ?? state;
    }
    return { ...summary, state };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (!options.signal?.aborted) {
      await save({ lastError: { code: err.code ?? 'INTERNAL', message: err.message ?? String(e), at: new Date().toISOString() } }).catch(() => {});
    }
    throw e;
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
