/**
 * The stand-in's own store: namespaces (`default` always exists), tables with their columns and primary key,
 * and rows kept in primary-key byte order (the order LindormTable stores and scans them in). Every change goes
 * to the ChangeLog (the journal, or nothing) before it becomes visible.
 */
import { keyBytes, type ColumnType, type Value } from './column-types.ts';
import { errors } from './errors.ts';
import type { KeyPart } from './sql-ast.ts';

export const DEFAULT_NAMESPACE = 'default';

export interface ColumnSchema {
  readonly name: string;
  readonly type: ColumnType;
  readonly notNull: boolean;
}

export interface TableDefinition {
  readonly namespace: string;
  readonly name: string;
  readonly columns: readonly ColumnSchema[];
  readonly primaryKey: readonly KeyPart[];
  readonly options: Readonly<Record<string, string>>;
}

/** A row: its values by column name; a column without a value is absent. */
export type Row = ReadonlyMap<string, Value>;

export interface ChangeLog {
  createNamespace(name: string): void;
  dropNamespace(name: string): void;
  createTable(table: TableDefinition): void;
  updateTable(table: TableDefinition): void;
  dropTable(namespace: string, name: string): void;
  putRow(table: TableDefinition, key: string, row: Row): void;
  deleteRow(table: TableDefinition, key: string): void;
}

/** The key of a table in a map of the tables of every namespace. */
export function tableId(namespace: string, name: string): string {
  return JSON.stringify([namespace, name]);
}

export class Table {
  /** Row keys (hex of the key bytes, which sorts as the bytes do), ascending. */
  private readonly keys: string[] = [];
  private readonly rows = new Map<string, Row>();

  constructor(public definition: TableDefinition) {}

  column(name: string): ColumnSchema | undefined {
    return this.definition.columns.find((c) => c.name === name);
  }

  /** The key (hex) of a row whose key columns all have non-null values. */
  keyOf(values: ReadonlyMap<string, Value>): string {
    const parts = this.definition.primaryKey;
    return Buffer.concat(
      parts.map((p, i) => keyBytes(this.column(p.column)!.type, values.get(p.column) as Exclude<Value, null>, i === parts.length - 1, p.descending)),
    ).toString('hex');
  }

  get(key: string): Row | undefined {
    return this.rows.get(key);
  }

  put(key: string, row: Row): void {
    if (!this.rows.has(key)) this.keys.splice(this.insertionPoint(key), 0, key);
    this.rows.set(key, row);
  }

  delete(key: string): void {
    if (!this.rows.delete(key)) return;
    this.keys.splice(this.insertionPoint(key), 1);
  }

  get size(): number {
    return this.keys.length;
  }

  /** Rows in key order, with their keys. */
  *scan(): Generator<[string, Row]> {
    for (const key of [...this.keys]) {
      const row = this.rows.get(key);
      if (row) yield [key, row];
    }
  }

  private insertionPoint(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export class LindormStore {
  private readonly namespaces = new Map<string, Map<string, Table>>([[DEFAULT_NAMESPACE, new Map()]]);

  constructor(private readonly log: ChangeLog) {}

  namespaceNames(): string[] {
    return [...this.namespaces.keys()].sort();
  }

  hasNamespace(name: string): boolean {
    return this.namespaces.has(name);
  }

  createNamespace(name: string): void {
    this.log.createNamespace(name);
    this.namespaces.set(name, new Map());
  }

  dropNamespace(name: string): void {
    if ((this.namespaces.get(name)?.size ?? 0) > 0) throw errors.databaseNotEmpty(name);
    this.log.dropNamespace(name);
    this.namespaces.delete(name);
  }

  tables(namespace: string): Table[] {
    return [...this.tablesOf(namespace).values()].sort((a, b) => (a.definition.name < b.definition.name ? -1 : 1));
  }

  allTables(): Table[] {
    return this.namespaceNames().flatMap((ns) => this.tables(ns));
  }

  findTable(namespace: string, name: string): Table | undefined {
    return this.tablesOf(namespace).get(name);
  }

  table(namespace: string, name: string): Table {
    const t = this.findTable(namespace, name);
    if (!t) throw errors.unknownTable(namespace, name);
    return t;
  }

  createTable(definition: TableDefinition): void {
    this.log.createTable(definition);
    this.tablesOf(definition.namespace).set(definition.name, new Table(definition));
  }

  updateTable(table: Table, definition: TableDefinition): void {
    this.log.updateTable(definition);
    table.definition = definition;
  }

  dropTable(namespace: string, name: string): void {
    this.log.dropTable(namespace, name);
    this.tablesOf(namespace).delete(name);
  }

  /** Writes the given columns of one row; an existing row keeps the values of columns not given (UPSERT). */
  upsert(table: Table, values: ReadonlyMap<string, Value>): void {
    const key = table.keyOf(values);
    const row = new Map(table.get(key) ?? []);
    for (const [name, v] of values) row.set(name, v);
    this.log.putRow(table.definition, key, row);
    table.put(key, row);
  }

  delete(table: Table, key: string): void {
    this.log.deleteRow(table.definition, key);
    table.delete(key);
  }

  /** Puts back what a journal or snapshot held, without logging it again. */
  restore(namespaces: Iterable<string>, tables: Iterable<Table>): void {
    for (const ns of namespaces) if (!this.namespaces.has(ns)) this.namespaces.set(ns, new Map());
    for (const t of tables) this.namespaces.get(t.definition.namespace)?.set(t.definition.name, t);
  }

  /** Everything, for a snapshot. */
  state(): { namespaces: Set<string>; tables: Map<string, Table> } {
    const tables = new Map(this.allTables().map((t) => [tableId(t.definition.namespace, t.definition.name), t]));
    return { namespaces: new Set(this.namespaces.keys()), tables };
  }

  private tablesOf(namespace: string): Map<string, Table> {
    const tables = this.namespaces.get(namespace);
    if (!tables) throw errors.unknownDatabase(namespace);
    return tables;
  }
}
