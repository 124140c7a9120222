/**
 * The dirty-data policy for a change the destination refused (reference product): under `skip` it is
 * recorded (table, position, reason, row) and left out of its batch, which is then applied again;
 * under `block` the task stops at it with its position kept, so a later run retries it.
 */
import type { ApplyRejected } from '../apply/sink.ts';
import type { ChangeBatch } from '../change/change-event.ts';
import { comparePositions, formatPosition } from '../change/position.ts';
import { dirtyRowJson } from '../state/dirty-row.ts';
import type { StateStore } from '../state/state-store.ts';
import type { Task } from '../task/task.ts';

/** The batch without the refused change (its `through` kept, so the watermark still moves past it); throws under `block`. */
export async function setRejectedChangeAside(task: Task, store: StateStore, batch: ChangeBatch, e: ApplyRejected, log: (line: string) => void): Promise<ChangeBatch> {
  if (task.sync.dirtyData === 'block') throw e;
  const bad = batch.changes.find((c) => comparePositions(c.pos, e.pos) === 0);
  if (!bad) throw e;
  const table = `${e.table.database}.${e.table.table}`;
  await store.recordDirty({
    table,
    phase: 'incremental',
    position: formatPosition(e.pos),
    reason: e.serverMessage,
    row: dirtyRowJson(bad.kind === 'row' ? (bad.after ?? bad.before) : bad.sql),
    at: new Date().toISOString(),
  });
  log(`dirty data skipped: ${e.op} of ${table} at ${formatPosition(e.pos)}: ${e.serverMessage}`);
  return { ...batch, changes: batch.changes.filter((c) => c !== bad), through: batch.through ?? batch.changes.at(-1)!.pos };
}
