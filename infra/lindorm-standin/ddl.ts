/**
 * CREATE/ALTER/DROP TABLE and CREATE/DROP DATABASE with Lindorm's rules: names (quotas-and-limits: namespace 4–16
 * and table 1–255 characters of `[0-9A-Za-z_-]`, tables also `.`), the types, at most 5 primary-key columns
 * and VARBINARY only as the last of them, ADD COLUMN never a key column (doc-detail/417041).
 */
import { columnType } from './column-types.ts';
import { errors } from './errors.ts';
import type { LindormLimits } from './limits.ts';
import { OK_NONE, type StatementResult } from './result.ts';
import type { ColumnDef, KeyPart, Statement } from './sql-ast.ts';
import { DEFAULT_NAMESPACE, type ColumnSchema, type LindormStore } from './table-store.ts';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

const RESERVED_NAMESPACES = ['lindorm', DEFAULT_NAMESPACE, 'global'];

export class Ddl {
  constructor(
    private readonly store: LindormStore,
    private readonly limits: LindormLimits,
  ) {}

  createTable(s: Of<'createTable'>, namespace: string): StatementResult {
    checkTableName(s.table.name);
    const columns = this.columns(s.columns, []);
    checkPrimaryKey(s.primaryKey, columns, this.limits.keyColumns);
    if (this.store.findTable(namespace, s.table.name)) {
      if (s.ifNotExists) return OK_NONE;
      throw errors.tableExists(namespace, s.table.name);
    }
    const keyed = columns.map((c) => (s.primaryKey.some((k) => k.column === c.name) ? { ...c, notNull: true } : c));
    this.store.createTable({ namespace, name: s.table.name, columns: keyed, primaryKey: s.primaryKey, options: s.options });
    return OK_NONE;
  }

  alterTableAdd(s: Of<'alterTableAdd'>, namespace: string): StatementResult {
    const table = this.store.table(namespace, s.table.name);
    const added = this.columns(s.columns, table.definition.columns);
    this.store.updateTable(table, { ...table.definition, columns: [...table.definition.columns, ...added] });
    return OK_NONE;
  }

  dropTable(s: Of<'dropTable'>, namespace: string): StatementResult {
    if (!this.store.findTable(namespace, s.table.name)) {
      if (s.ifExists) return OK_NONE;
      throw errors.unknownTable(namespace, s.table.name);
    }
    this.store.dropTable(namespace, s.table.name);
    return OK_NONE;
  }

  createDatabase(s: Of<'createDatabase'>): StatementResult {
    if (this.store.hasNamespace(s.name)) {
      if (s.ifNotExists) return OK_NONE;
      throw errors.databaseExists(s.name);
    }
    if (RESERVED_NAMESPACES.includes(s.name.toLowerCase())) throw errors.reservedNamespace(s.name);
    if (!/^[0-9A-Za-z_-]{4,16}$/.test(s.name)) throw errors.invalidName('namespace', s.name);
    this.store.createNamespace(s.name);
    return OK_NONE;
  }

  dropDatabase(s: Of<'dropDatabase'>): StatementResult {
    if (RESERVED_NAMESPACES.includes(s.name.toLowerCase())) throw errors.reservedNamespace(s.name);
    if (!this.store.hasNamespace(s.name)) {
      if (s.ifExists) return OK_NONE;
      throw errors.unknownDatabase(s.name);
    }
    this.store.dropNamespace(s.name);
    return OK_NONE;
  }

  /** The schemas of new columns, refusing a name already among `existing` or given twice. */
  private columns(defs: readonly ColumnDef[], existing: readonly ColumnSchema[]): ColumnSchema[] {
    const names = new Set(existing.map((c) => c.name));
    return defs.map((d) => {
      if (d.name.length < 1 || d.name.length > 255) throw errors.invalidName('column', d.name);
      if (names.has(d.name)) throw errors.duplicateColumn(d.name);
      names.add(d.name);
      return { name: d.name, type: columnType(d.type, this.limits.decimalPrecision), notNull: d.notNull };
    });
  }
}

function checkTableName(name: string): void {
  if (!/^[0-9A-Za-z_][0-9A-Za-z_.-]{0,254}$/.test(name)) throw errors.invalidName('table', name);
}

function checkPrimaryKey(key: readonly KeyPart[], columns: readonly ColumnSchema[], max: number): void {
  if (key.length === 0) throw errors.noPrimaryKey();
  if (key.length > max) throw errors.tooManyKeyColumns(max);
  const seen = new Set<string>();
  key.forEach((k, i) => {
    const column = columns.find((c) => c.name === k.column);
    if (!column) throw errors.unknownColumn(k.column, 'PRIMARY KEY');
    if (seen.has(k.column)) throw errors.duplicateColumn(k.column);
    seen.add(k.column);
    if (column.type.name === 'VARBINARY' && i !== key.length - 1) throw errors.varbinaryKeyNotLast(k.column);
  });
}
