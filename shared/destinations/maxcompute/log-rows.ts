/**
 * Row changes as entries of a `_log` table (reference 001, "incremental data table"): an INSERT is one
 * entry with the new values (before_flag N, after_flag Y), a DELETE one with the old values (Y, N), an
 * UPDATE two sharing a record_id — the old values (Y, N), then the new (N, Y). fc-dts hands a key change
 * on as a DELETE of the old key and an INSERT of the new (change-mapper.ts), so it is logged as D and I
 * with consecutive record ids; the merge gives the same table.
 *
 * Entries are grouped by log table and partition: one upload session each.
 */
import type { Row, RowChange } from '../../change/change-event.ts';
import type { PartitionField } from './config.ts';
import { partitionValues, recordId } from './maxcompute-table.ts';

export type Flag = 'Y' | 'N';

export interface LogEntry {
  readonly recordId: bigint;
  readonly operation: 'I' | 'U' | 'D';
  /** The binlog event's time, epoch seconds. */
  readonly utcTimestamp: number;
  readonly beforeFlag: Flag;
  readonly afterFlag: Flag;
  readonly image: Row;
  /** The change it comes from (a value the table refuses is set aside with its change). */
  readonly change: RowChange;
}

export interface PartitionEntries {
  /** The `_log` table. */
  readonly table: string;
  /** The partition keys' values, in the table's partition key order. */
  readonly partition: readonly string[];
  readonly entries: LogEntry[];
}

/** The log entries of one row change, in the order they are written. */
export function logEntries(change: RowChange): LogEntry[] {
  const id = recordId(change.pos);
  const entry = (operation: LogEntry['operation'], beforeFlag: Flag, image: Row | undefined): LogEntry => {
    if (!image) throw new RangeError(`a ${change.op} of ${change.table.database}.${change.table.table} at ${change.pos.file}:${change.pos.offset}#${change.pos.row} without its ${beforeFlag === 'Y' ? 'before' : 'after'} image`);
    return { recordId: id, operation, utcTimestamp: change.ts, beforeFlag, afterFlag: beforeFlag === 'Y' ? 'N' : 'Y', image, change };
  };
  switch (change.op) {
    case 'insert':
      return [entry('I', 'N', change.after)];
    case 'delete':
      return [entry('D', 'Y', change.before)];
    case 'update':
      return [entry('U', 'Y', change.before), entry('U', 'N', change.after)];
  }
}

/** The entries of `changes` (binlog order) by log table and partition, each group in binlog order. */
export function entriesByPartition(changes: readonly RowChange[], fields: readonly PartitionField[], logTable: (change: RowChange) => string): PartitionEntries[] {
  const groups = new Map<string, PartitionEntries>();
  for (const change of changes) {
    const table = logTable(change);
    const partition = partitionValues(change.ts, fields);
    const id = `${table}\u0000${partition.join('\u0000')}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { table, partition, entries: [] }));
    group.entries.push(...logEntries(change));
  }
  return [...groups.values()];
}

/** The Tunnel's partition spec: `k1=v1,k2=v2` (no quotes). */
export function partitionSpec(keys: readonly string[], values: readonly string[]): string {
  return keys.map((k, i) => `${k}=${values[i]}`).join(',');
}
