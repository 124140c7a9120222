/**
 * Persistence in a directory, as the Tablestore stand-in does it: `snapshot.json` (namespaces, tables, rows)
 * plus `journal.jsonl`, one JSON line per change with whole-row images (replay is idempotent), written
 * synchronously before the change becomes visible. On open the journal is replayed over the snapshot and
 * compacted into a new snapshot (fsynced, replaced by rename), and again on close.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Value } from './column-types.ts';
import { DEFAULT_NAMESPACE, Table, type ChangeLog, type Row, type TableDefinition } from './table-store.ts';

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

const SNAPSHOT = 'snapshot.json';
const JOURNAL = 'journal.jsonl';

/** What a directory holds: the namespaces and the tables with their rows. */
export interface StoredState {
  namespaces: Set<string>;
  tables: Map<string, Table>;
}

export class Journal implements ChangeLog {
  private fd: number | undefined;

  private constructor(private readonly dir: string) {}

  static open(dir: string): { journal: Journal; state: StoredState } {
    fs.mkdirSync(dir, { recursive: true });
    const journal = new Journal(dir);
    const state = journal.replay();
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
    this.closeFile();
    const snapshot: Snapshot = {
      version: 1,
      namespaces: [...state.namespaces],
      tables: [...state.tables.values()].map((t) => ({ definition: t.definition, rows: [...t.scan()].map(([key, row]) => [key, rowToJson(row)]) })),
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

  close(state: StoredState): void {
    this.compact(state);
    this.closeFile();
  }

  private append(entry: Entry): void {
    if (this.fd === undefined) throw new Error('Lindorm stand-in journal is closed');
    fs.writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  private closeFile(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private replay(): StoredState {
    const state: StoredState = { namespaces: new Set([DEFAULT_NAMESPACE]), tables: new Map() };
    const snapshotFile = path.join(this.dir, SNAPSHOT);
    if (fs.existsSync(snapshotFile)) {
      const snapshot = JSON.parse(fs.readFileSync(snapshotFile, 'utf8')) as Snapshot;
      for (const ns of snapshot.namespaces) state.namespaces.add(ns);
      for (const t of snapshot.tables) {
        const table = new Table(t.definition);
        for (const [key, row] of t.rows) table.put(key, rowFromJson(row));
        state.tables.set(tableId(t.definition.namespace, t.definition.name), table);
      }
    }
    const journalFile = path.join(this.dir, JOURNAL);
    if (!fs.existsSync(journalFile)) return state;
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
      applyEntry(state, entry);
    }
    return state;
  }
}

/** The key of a table in StoredState.tables. */
export function tableId(namespace: string, name: string): string {
  return JSON.stringify([namespace, name]);
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
