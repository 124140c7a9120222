/**
 * Persistence of the stand-in in a directory (../lib/snapshot-journal.ts): a snapshot of all tables and rows plus
 * a journal with one JSON line per change (whole-row images, so replay is idempotent). On open the journal is
 * replayed over the snapshot and compacted into a new snapshot, as it is again on close.
 */
import { SnapshotJournal } from '../lib/snapshot-journal.ts';
import type { Cell, PrimaryKeyValue, Row, Value } from './model.ts';
import { Table, type ChangeLog, type TableDefinition } from './table-store.ts';

type JsonValue = ['i', string] | ['d', number] | ['b', boolean] | ['s', string] | ['x', string];
interface JsonRow {
  readonly pk: JsonValue[];
  readonly cells: Array<[name: string, value: JsonValue, timestamp: number]>;
}
type Entry =
  | { op: 'createTable'; table: TableDefinition }
  | { op: 'updateTable'; table: TableDefinition }
  | { op: 'deleteTable'; name: string }
  | { op: 'putRow'; table: string; row: JsonRow }
  | { op: 'deleteRow'; table: string; key: JsonValue[] };
interface Snapshot {
  readonly version: 1;
  readonly tables: Array<{ definition: TableDefinition; rows: JsonRow[] }>;
}

export class Journal implements ChangeLog {
  private constructor(private readonly files: SnapshotJournal<Snapshot, Entry>) {}

  /** Opens the directory, replays what it holds, compacts it, and returns the journal with the tables. */
  static open(dir: string): { journal: Journal; tables: Table[] } {
    const { files, snapshot, entries } = SnapshotJournal.open<Snapshot, Entry>(dir, 'Tablestore stand-in');
    const tables = new Map<string, Table>();
    for (const t of snapshot?.tables ?? []) tables.set(t.definition.name, new Table(t.definition, t.rows.map(rowFromJson)));
    for (const entry of entries) applyEntry(tables, entry);
    const journal = new Journal(files);
    journal.compact([...tables.values()]);
    return { journal, tables: [...tables.values()] };
  }

  createTable(table: TableDefinition): void {
    this.append({ op: 'createTable', table });
  }

  updateTable(table: TableDefinition): void {
    this.append({ op: 'updateTable', table });
  }

  deleteTable(name: string): void {
    this.append({ op: 'deleteTable', name });
  }

  putRow(table: string, row: Row): void {
    this.append({ op: 'putRow', table, row: rowToJson(row) });
  }

  deleteRow(table: string, key: readonly PrimaryKeyValue[]): void {
    this.append({ op: 'deleteRow', table, key: key.map(valueToJson) });
  }

  /** Writes the tables as the new snapshot and starts an empty journal. */
  compact(tables: readonly Table[]): void {
    this.files.compact(snapshotOf(tables));
  }

  close(tables: readonly Table[]): void {
    this.files.close(snapshotOf(tables));
  }

  private append(entry: Entry): void {
    this.files.append(entry);
  }
}

function snapshotOf(tables: readonly Table[]): Snapshot {
  return { version: 1, tables: tables.map((t) => ({ definition: t.definition, rows: t.allRows().map(rowToJson) })) };
}

function applyEntry(tables: Map<string, Table>, entry: Entry): void {
  switch (entry.op) {
    case 'createTable':
      tables.set(entry.table.name, new Table(entry.table));
      return;
    case 'updateTable': {
      const table = tables.get(entry.table.name);
      if (table) table.definition = entry.table;
      return;
    }
    case 'deleteTable':
      tables.delete(entry.name);
      return;
    case 'putRow':
      tables.get(entry.table)?.set(rowFromJson(entry.row));
      return;
    case 'deleteRow':
      tables.get(entry.table)?.remove(entry.key.map(valueFromJson) as PrimaryKeyValue[]);
      return;
  }
}

function rowToJson(row: Row): JsonRow {
  return {
    pk: row.primaryKey.map(valueToJson),
    cells: [...row.cells].map(([name, cell]) => [name, valueToJson(cell.value), cell.timestamp]),
  };
}

function rowFromJson(json: JsonRow): Row {
  const cells = new Map<string, Cell>();
  for (const [name, value, timestamp] of json.cells) cells.set(name, { value: valueFromJson(value), timestamp });
  return { primaryKey: json.pk.map(valueFromJson) as PrimaryKeyValue[], cells };
}

function valueToJson(value: Value): JsonValue {
  switch (value.type) {
    case 'INTEGER':
      return ['i', value.value.toString()];
    case 'DOUBLE':
      return ['d', value.value];
    case 'BOOLEAN':
      return ['b', value.value];
    case 'STRING':
      return ['s', value.value];
    case 'BINARY':
      return ['x', value.value.toString('base64')];
  }
}

function valueFromJson(json: JsonValue): Value {
  switch (json[0]) {
    case 'i':
      return { type: 'INTEGER', value: BigInt(json[1]) };
    case 'd':
      return { type: 'DOUBLE', value: json[1] };
    case 'b':
      return { type: 'BOOLEAN', value: json[1] };
    case 's':
      return { type: 'STRING', value: json[1] };
    case 'x':
      return { type: 'BINARY', value: Buffer.from(json[1], 'base64') };
  }
}
