/**
 * A batch of row changes as Tablestore row writes, one per row touched (BatchWriteRow takes a row
 * once per request), under the task's write mode:
 * - `overwrite`: a row present after the batch is put whole (PutRow replaces the row), an absent one deleted;
 * - `update`: a row present after the batch gets UpdateRow with the columns its changes touched — set
 *   when the final value is not NULL, deleted when it is; a row inserted gets every column; a row
 *   deleted and inserted again in the batch is put whole, as it is a new row.
 * A primary-key change arrives as a delete of the old key and an insert of the new (change-mapper.ts).
 * Exact because row images are full (docs/architecture.md §3.5). Attribute values are typed by the column types of the
 * change's own binlog event (a column whose type changed on the source, or that was added, is written
 * as its new type); key columns keep the table's key types, which a Tablestore table cannot change.
 * Pure: no I/O.
 */
import type { CellValue, ColumnTypes, Row, RowChange } from '../../change/change-event.ts';
import type { TablestoreWriteMode } from './config.ts';
import { checkRowSize } from './tablestore-limits.ts';
import type { TablestoreTable } from './tablestore-table.ts';
import { eventKind, fromCell, type TablestoreValue, type ValueKind } from './tablestore-values.ts';
import type { RowWrite } from './tablestore-writer.ts';

/** A write and the change that decided it (the last one of its row), to name it when the write is refused. */
export interface PlannedWrite {
  readonly write: RowWrite;
  readonly change: RowChange;
}

/** A change that cannot become a Tablestore write (a NULL key column, a value its column cannot hold). */
export class UnwritableChange extends Error {
  constructor(
    readonly change: RowChange,
    cause: unknown,
  ) {
    super((cause as Error).message ?? String(cause), { cause });
    this.name = 'UnwritableChange';
  }
}

interface RowState {
  readonly table: TablestoreTable;
  readonly key: ReadonlyArray<readonly [string, TablestoreValue]>;
  last: RowChange;
  image: Row | undefined;
  /** Columns the batch changed; `all` once the row was inserted. */
  changed: Set<string> | 'all';
  /** The row was deleted earlier in the batch, so what follows builds it anew. */
  recreated: boolean;
}

export function plannedWrites(changes: readonly RowChange[], tables: ReadonlyMap<string, TablestoreTable>, mode: TablestoreWriteMode): PlannedWrite[] {
  const rows = new Map<string, RowState>();
  for (const c of changes) {
    const table = tables.get(c.table.table);
    if (!table) throw new Error(`no Tablestore mapping for table ${c.table.table}`);
    const image = c.op === 'delete' ? c.before : c.after;
    if (!image) throw new Error(`${c.op} of ${c.table.table} without its row image`);
    const key = blame(c, () => primaryKey(table, image));
    const id = `${table.name}\0${JSON.stringify(key.map(([, v]) => (Buffer.isBuffer(v) ? v.toString('hex') : String(v))))}`;
    const prev = rows.get(id);
    rows.delete(id); // re-set below, so Map order is the order of each row's last change
    const state: RowState = prev ?? { table, key, last: c, image: undefined, changed: new Set(), recreated: false };
    state.last = c;
    if (c.op === 'delete') {
      state.image = undefined;
      state.changed = new Set();
      state.recreated = true;
    } else if (c.op === 'insert') {
      state.image = c.after;
      state.changed = 'all';
    } else {
      state.image = c.after;
      if (state.changed !== 'all') for (const col of changedColumns(c.before!, c.after!)) state.changed.add(col);
    }
    rows.set(id, state);
  }
  const out: PlannedWrite[] = [];
  for (const s of rows.values()) {
    const write = blame(s.last, () => rowWrite(s, mode));
    if (write) out.push({ write, change: s.last });
  }
  return out;
}

function rowWrite(s: RowState, mode: TablestoreWriteMode): RowWrite | undefined {
  const { table, key } = s;
  if (s.image === undefined) return { table: table.name, type: 'delete', primaryKey: key };
  const isKey = new Set(key.map(([k]) => k));
  const columns: Array<readonly [string, TablestoreValue]> = [];
  const deleted: string[] = [];
  const whole = mode === 'overwrite' || (s.changed === 'all' && s.recreated);
  const kinds = columnKinds(table, s.last.types);
  for (const [name, cell] of Object.entries(s.image)) {
    if (isKey.has(name)) continue;
    if (!whole && s.changed !== 'all' && !s.changed.has(name)) continue;
    const v = fromCell(name, kinds.get(name), cell);
    if (v !== null) columns.push([name, v]);
    else if (!whole) deleted.push(name);
  }
  checkRowSize(`${s.last.table.database}.${s.last.table.table}`, key, columns);
  if (whole) return { table: table.name, type: 'put', primaryKey: key, columns };
  if (columns.length === 0 && deleted.length === 0) return undefined; // only unselected columns changed
  return { table: table.name, type: 'update', primaryKey: key, columns, deleted };
}

/**
 * Column kinds by table, then by the types object of a change (the change mapper hands out one per
 * table definition), filled once: the start kinds (key columns included) overridden by the event's
 * column types, the TINYINT(1)→boolean rule applied against the table's start kind.
 */
const kindsByTable = new WeakMap<TablestoreTable, WeakMap<ColumnTypes, ReadonlyMap<string, ValueKind>>>();

/** The columns' kinds for a change: by its event's column types where the change carries them, else by the table's mapping. */
function columnKinds(table: TablestoreTable, types: ColumnTypes | undefined): ReadonlyMap<string, ValueKind> {
  if (!types) return table.kinds;
  let byTypes = kindsByTable.get(table);
  if (!byTypes) kindsByTable.set(table, (byTypes = new WeakMap()));
  let kinds = byTypes.get(types);
  if (!kinds) {
    const built = new Map(table.kinds);
    for (const [name, type] of Object.entries(types)) if (type) built.set(name, eventKind(type, table.kinds.get(name)));
    byTypes.set(types, (kinds = built));
  }
  return kinds;
}

export function primaryKey(table: TablestoreTable, image: Row): Array<readonly [string, TablestoreValue]> {
  return table.primaryKey.map((k) => {
    const cell = image[k.name];
    const v = cell === undefined ? null : fromCell(k.name, k.kind, cell);
    if (v === null) throw new Error(`primary-key column ${k.name} of ${table.name} is NULL or missing: Tablestore rows need every key column`);
    return [k.name, v] as const;
  });
}

function blame<T>(change: RowChange, build: () => T): T {
  try {
    return build();
  } catch (e) {
    throw new UnwritableChange(change, e);
  }
}

function changedColumns(before: Row, after: Row): string[] {
  const out: string[] = [];
  for (const name of Object.keys(after)) if (!sameCell(before[name], after[name]!)) out.push(name);
  return out;
}

function sameCell(a: CellValue | undefined, b: CellValue): boolean {
  if (a === b) return true;
  if (a === undefined || a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return 'n' in a ? 'n' in b && a.n === b.n : 'b' in b && a.b === b.b;
}
