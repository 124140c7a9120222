/**
 * A DDL statement on a synchronized table that incremental sync does not apply (a Tablestore
 * destination takes none; `sync.ddl: false`; an ALTER of a column-mapped table) is never dropped
 * silently: the run logs one line naming the statement and the tables, and `fc-dts status` shows how
 * many there were and the last one (IncrementalStatus.ddlSkipped / lastDdlSkipped).
 */
import type { TableRef } from '../change/change-event.ts';
import { formatPosition, isAfter, type BinlogPosition } from '../change/position.ts';
import type { SkippedDdl } from '../state/state-store.ts';
import type { Task } from '../task/task.ts';
import type { DdlDecision } from './ddl-translator.ts';
import { destinationOf } from '../destinations/registry.ts';

export interface DdlSkipLog {
  readonly count: number;
  readonly last: SkippedDdl | undefined;
}

/**
 * Notes a DDL that was not applied. `targetOf` maps a synchronized source table to its destination
 * (undefined: the statement names no table of the task, so it is of no concern and not reported).
 * Returns the log as it is after this statement; a statement at or before the last one recorded was
 * counted by an earlier run (it is read again after a restart) and is logged, not counted again.
 */
export function noteSkippedDdl(
  task: Task,
  decision: Extract<DdlDecision, { apply: false }>,
  at: { readonly pos: BinlogPosition; readonly ts: number },
  targetOf: (database: string, table: string) => TableRef | undefined,
  before: DdlSkipLog,
  log: (line: string) => void,
): DdlSkipLog {
  const named = (decision.sourceRefs ?? []).flatMap((ref) => {
    const target = targetOf(ref.database, ref.table);
    return target ? [{ name: `${ref.database}.${ref.table}`, target }] : [];
  });
  if (named.length === 0) return before;
  const statement = decision.label ?? 'DDL';
  const { reason } = decision;
  const destination = destinationOf(task);
  const where = named.map((t) => `${t.name} (${destination.describeTable(t.target)})`).join(', ');
  log(`DDL not applied: ${statement} on ${where} at binlog position ${formatPosition(at.pos)} — ${reason}`);
  if (before.last && !isAfter(at.pos, before.last.pos)) return before;
  return {
    count: before.count + 1,
    last: { statement, tables: named.map((t) => t.name), pos: at.pos, at: new Date(at.ts * 1000).toISOString(), reason },
  };
}
