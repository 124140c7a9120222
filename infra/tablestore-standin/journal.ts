/**
 * Persistence of the stand-in in a directory: `snapshot.json` (all tables and rows) plus `journal.jsonl`, a
 * write-ahead journal with one JSON line per change (whole-row images, so replay is idempotent). Each line is
 * written synchronously before the change becomes visible, so a killed process loses nothing it acknowledged
 * (lines are not fsynced: a machine crash may lose the last ones). On open the journal is replayed over the
 * snapshot and compacted into a new snapshot, as it is again on close; the snapshot is fsynced and replaced by
 * rename, so a crash leaves either the old or the new one.
 */
import fs from 'node:fs';
import path from 'node:path';
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

const SNAPSHOT = 'snapshot.json';
const JOURNAL = 'journal.jsonl';

export class Journal implements ChangeLog {
  private fd: number | undefined;

  private constructor(private readonly dir: string) {}

  /** Opens the directory, replays what it holds, compacts it, and returns the journal with the tables. */
  static open(dir: string): { journal: Journal; tables: Table[] } {
    fs.mkdirSync(dir, { recursive: true });
    const journal = new Journal(dir);
    const tables = journal.replay();
    journal.compact(tables);
    return { journal, tables };
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
    this.closeFile();
    const snapshot: Snapshot = {
      version: 1,
      tables: tables.map((t) => ({ definition: t.definition, rows: t.allRows().map(rowToJson) })),
    };
    const target = path.join(this.dir, SNAPSHOT);
    const tmp = fs.openSync(`${target}.tmp`, 'w');
    try {
      fs.writeSync(tmp, JSON.stringify(snapshot));
      fs.fsyncSync(tmp);
    } finally {
      fs.closeSync(tmp);
    }
    fs.renameSync(`${target}.tmp`, target);
    this.fd = fs.openSync(path.join(this.dir, JOURNAL), 'w');
  }

  close(tables: readonly Table[]): void {
    this.compact(tables);
    this.closeFile();
  }

  private append(entry: Entry): void {
    if (this.fd === undefined) throw new Error('Tablestore stand-in journal is closed');
    fs.writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  private closeFile(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private replay(): Table[] {
    const tables = new Map<string, Table>();
    const snapshotFile = path.join(this.dir, SNAPSHOT);
    if (fs.existsSync(snapshotFile)) {
      const snapshot = JSON.parse(fs.readFileSync(snapshotFile, 'utf8')) as Snapshot;
      for (const t of snapshot.tables) tables.set(t.definition.name, new Table(t.definition, t.rows.map(rowFromJson)));
    }
    const journalFile = path.join(this.dir, JOURNAL);
    if (!fs.existsSync(journalFile)) return [...tables.values()];
    const lines = fs.readFileSync(journalFile, 'utf8').split('\n');
    for (const [i, line] of lines.entries()) {
      if (line === '') continue;
      let entry: Entry;
      try {
        entry = JSON.parse(line) as Entry;
      } catch (e) {
        // Only an unterminated last line can be torn: a write the crash cut short, never acknowledged.
        if (i === lines.length - 1) break;
        throw new Error(`${journalFile}: line ${i + 1} is not valid JSON`, { cause: e });
      }
      applyEntry(tables, entry);
    }
    return [...tables.values()];
  }
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
