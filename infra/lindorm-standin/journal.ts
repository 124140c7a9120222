/**
 * Persistence in a directory (../lib/snapshot-journal.ts, as the Tablestore stand-in): a snapshot of namespaces,
 * tables and rows plus a journal with one JSON line per change (whole-row images, so replay is idempotent). On
 * open the journal is replayed over the snapshot and compacted into a new snapshot, as it is again on close.
 */
import { SnapshotJournal } from '../lib/snapshot-journal.ts';
import type { Value } from './column-types.ts';
import { DEFAULT_NAMESPACE, Table, tableId, type ChangeLog, type Row, type TableDefinition } from './table-store.ts';

type JsonValue = null | ['b', boolean] | ['i', string] | ['n', number] | ['s', string] | ['x', string];
type JsonRow = Array<[column: string, value: JsonValue]>;
type Entry =
  | { op: 'createNamespace'; name: string }
  | { op: 'dropNamespace'; name: string }
  | { op: 'createTable'; table: TableDefinition }
  | { op: 'updateTable'; table: TableDefinition }
  | { op: 'dropTable'; namespace: string; name: string }
  | { op: 'putRow'; namespace: string; table: string; key: string; row: JsonRow }
  | { op: 'deleteRow'; namespace: string; table: string; key: string };
interface Snapshot {
  readonly version: 1;
  readonly namespaces: string[];
  readonly tables: Array<{ definition: TableDefinition; rows: Array<[key: string, row: JsonRow]> }>;
}

/** What a directory holds: the namespaces and the tables with their rows. */
export interface StoredState {
  namespaces: Set<string>;
  tables: Map<string, Table>;
}

export class Journal implements ChangeLog {
  private constructor(private readonly files: SnapshotJournal<Snapshot, Entry>) {}

  static open(dir: string): { journal: Journal; state: StoredState } {
    const { files, snapshot, entries } = SnapshotJournal.open<Snapshot, Entry>(dir, 'Lindorm stand-in');
    const state = fromSnapshot(snapshot);
    for (const entry of entries) applyEntry(state, entry);
    const journal = new Journal(files);
    journal.compact(state);
    return { journal, state };
  }

  createNamespace(name: string): void {
    this.append({ op: 'createNamespace', name });
  }

  dropNamespace(name: string): void {
    this.append({ op: 'dropNamespace', name });
  }

  createTable(table: TableDefinition): void {
    this.append({ op: 'createTable', table });
  }

  updateTable(table: TableDefinition): void {
    this.append({ op: 'updateTable', table });
  }

  dropTable(namespace: string, name: string): void {
    this.append({ op: 'dropTable', namespace, name });
  }

  putRow(table: TableDefinition, key: string, row: Row): void {
    this.append({ op: 'putRow', namespace: table.namespace, table: table.name, key, row: rowToJson(row) });
  }

  deleteRow(table: TableDefinition, key: string): void {
    this.append({ op: 'deleteRow', namespace: table.namespace, table: table.name, key });
  }

  compact(state: StoredState): void {
    this.files.compact(toSnapshot(state));
  }

  close(state: StoredState): void {
    this.files.close(toSnapshot(state));
  }

  private append(entry: Entry): void {
    this.files.append(entry);
  }
}

function toSnapshot(state: StoredState): Snapshot {
  return {
    version: 1,
    namespaces: [...state.namespaces],
    tables: [...state.tables.values()].map((t) => ({ definition: t.definition, rows: [...t.scan()].map(([key, row]) => [key, rowToJson(row)]) })),
  };
}

function fromSnapshot(snapshot: Snapshot | undefined): StoredState {
  const state: StoredState = { namespaces: new Set([DEFAULT_NAMESPACE, ...(snapshot?.namespaces ?? [])]), tables: new Map() };
  for (const t of snapshot?.tables ?? []) {
    const table = new Table(t.definition);
    for (const [key, row] of t.rows) table.put(key, rowFromJson(row));
    state.tables.set(tableId(t.definition.namespace, t.definition.name), table);
  }
  return state;
}

function applyEntry(state: StoredState, entry: Entry): void {
  switch (entry.op) {
    case 'createNamespace': state.namespaces.add(entry.name); return;
    case 'dropNamespace': state.namespaces.delete(entry.name); return;
    case 'createTable': state.tables.set(tableId(entry.table.namespace, entry.table.name), new Table(entry.table)); return;
    case 'updateTable': {
      const t = state.tables.get(tableId(entry.table.namespace, entry.table.name));
      if (t) t.definition = entry.table;
      return;
    }
    case 'dropTable': state.tables.delete(tableId(entry.namespace, entry.name)); return;
    case 'putRow': state.tables.get(tableId(entry.namespace, entry.table))?.put(entry.key, rowFromJson(entry.row)); return;
    case 'deleteRow': state.tables.get(tableId(entry.namespace, entry.table))?.delete(entry.key); return;
  }
}

function rowToJson(row: Row): JsonRow {
  return [...row].map(([name, v]) => [name, valueToJson(v)]);
}

function rowFromJson(json: JsonRow): Row {
  return new Map(json.map(([name, v]) => [name, valueFromJson(v)]));
}

function valueToJson(v: Value): JsonValue {
  if (v === null) return null;
  if (typeof v === 'boolean') return ['b', v];
  if (typeof v === 'bigint') return ['i', v.toString()];
  if (typeof v === 'number') return ['n', v];
  if (typeof v === 'string') return ['s', v];
  return ['x', v.toString('hex')];
}

function valueFromJson(json: JsonValue): Value {
  if (json === null) return null;
  switch (json[0]) {
    case 'b': return json[1];
    case 'i': return BigInt(json[1]);
    case 'n': return json[1];
    case 's': return json[1];
    case 'x': return Buffer.from(json[1], 'hex');
  }
}
