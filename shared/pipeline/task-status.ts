/** What `fc-dts status` shows: the phase, per-table full-load progress, the hand-off position, the last error. */
import { ChunkLedger } from '../fullload/chunk-ledger.ts';
import type { BinlogCoordinates } from '../change/position.ts';
import { destinationOf } from '../destinations/registry.ts';
import type { IncrementalStatus, Phase, StateStore } from '../state/state-store.ts';
import type { Task } from '../task/task.ts';

export interface TaskStatus {
  readonly task: string;
  readonly phase: Phase;
  /** The destination as its module describes it (never a secret). */
  readonly destination: string;
  readonly schemaDone: boolean;
  readonly position?: BinlogCoordinates;
  readonly tables: ReadonlyArray<{ readonly table: string; readonly target: string; readonly chunksDone: number; readonly chunks: number; readonly rows: number }>;
  readonly dirtyRows: number;
  /** What the destination kind reports of itself (MaxCompute: what the log tables received). */
  readonly destinationStatus?: readonly string[];
  readonly incremental?: IncrementalStatus;
  readonly lastError?: { readonly code: string; readonly message: string; readonly at: string };
  readonly updatedAt?: string;
}

export async function readTaskStatus(task: Task, store: StateStore): Promise<TaskStatus> {
  const state = await store.getTaskState();
  const plan = await store.getPlan();
  const ledger = await ChunkLedger.load(store);
  return {
    task: task.name,
    phase: state?.phase ?? 'new',
    destination: destinationOf(task).describe(task.destination),
    schemaDone: state?.schemaDone ?? false,
    ...(plan ? { position: plan.position } : {}),
    tables: (plan?.tables ?? []).map((p) => ({
      table: p.table,
      target: p.target,
      chunks: p.chunks.length,
      chunksDone: ledger.chunksDone(p.table),
      rows: ledger.rows(p.table),
    })),
    dirtyRows: (await store.dirtyRecords()).length,
    ...(await destinationStatus(task, store)),
    ...(state?.incremental ? { incremental: state.incremental } : {}),
    ...(state?.lastError ? { lastError: state.lastError } : {}),
    ...(state?.updatedAt ? { updatedAt: state.updatedAt } : {}),
  };
}

async function destinationStatus(task: Task, store: StateStore): Promise<{ destinationStatus?: string[] }> {
  const lines = await destinationOf(task).statusLines?.(task, store);
  return lines && lines.length > 0 ? { destinationStatus: lines } : {};
}

export function formatTaskStatus(s: TaskStatus): string {
  const lines = [`task ${s.task}: phase ${s.phase}${s.updatedAt ? ` (updated ${s.updatedAt})` : ''}`];
  lines.push(`  destination: ${s.destination}`);
  lines.push(`  schema: ${s.schemaDone ? 'synchronized' : 'not yet'}`);
  if (s.position) lines.push(`  incremental starts at ${s.position.file}:${s.position.offset}${s.position.gtid ? ` GTID ${s.position.gtid}` : ''} (recorded ${s.position.at})`);
  for (const t of s.tables) {
    lines.push(`  ${t.table} → ${t.target}: ${t.chunksDone}/${t.chunks} chunks, ${t.rows.toLocaleString('en-US')} rows loaded`);
  }
  const inc = s.incremental;
  if (inc) {
    lines.push(`  incremental: lag ${inc.lagSeconds} s, ${inc.rowsPerSecond.toLocaleString('en-US')} rows/s, ${inc.applied.toLocaleString('en-US')} changes applied, reader checkpoint ${inc.checkpoint.file}:${inc.checkpoint.offset} (as of ${inc.updatedAt})`);
    if (inc.ddlFailures > 0) lines.push(`  ${inc.ddlFailures} DDL statements failed in the destination and were skipped (see the run's log)`);
    const last = inc.lastDdlSkipped;
    if (inc.ddlSkipped && last) {
      lines.push(`  ${inc.ddlSkipped} DDL statements not applied to the destination; the last: ${last.statement} on ${last.tables.join(', ')} (committed ${last.at}): ${last.reason}`);
    }
    for (const r of inc.retrying ?? []) {
      lines.push(`  bucket ${r.bucket} held: ${r.tables.join(', ')} from ${r.position}, failing since ${r.since} (${r.attempts} attempts, retrying): ${r.lastError}`);
    }
  } else {
    lines.push('  incremental: not started');
  }
  for (const line of s.destinationStatus ?? []) lines.push(`  ${line}`);
  if (s.dirtyRows > 0) lines.push(`  dirty data: ${s.dirtyRows} rows set aside (see dirty-data.jsonl in the state directory)`);
  if (s.lastError) lines.push(`  last error (${s.lastError.at}): [${s.lastError.code}] ${s.lastError.message}`);
  return lines.join('\n');
}
