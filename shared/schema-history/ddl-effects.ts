/**
 * What a DDL statement does to the definitions of the tables the history tracks (every table of the
 * tracked databases, selected or not, so that a table built aside and renamed into place is known).
 * The outcome is explicit: changed definitions, no change, or `unknown` with the reason, which the
 * caller turns into a stop; a statement on a tracked table is never guessed at.
 */
import type { QualifiedName } from './ddl-cursor.ts';
import { parseDdl } from './ddl-parser.ts';
import type { CreateTable, ParsedDdl } from './parsed-ddl.ts';
import type { ServerDialect } from './server-dialect.ts';
import { alterDefinition, buildDefinition, tableCollation } from './table-alteration.ts';
import { tableKey, type TableDefinition } from './table-definition.ts';
import { UnreadableDdl } from './ddl-cursor.ts';

/** Which databases' tables a history follows: a set of names, or every database. */
export interface TrackedDatabases {
  has(database: string): boolean;
}

/** The definitions as of a position. */
export interface SchemaState {
  readonly dialect: ServerDialect;
  /** Databases whose tables are tracked. */
  readonly tracked: TrackedDatabases;
  /** Default collation of each tracked database that exists. */
  readonly databases: ReadonlyMap<string, string>;
  /** By tableKey(database, table). */
  readonly tables: ReadonlyMap<string, TableDefinition>;
}

export interface TableChange {
  readonly database: string;
  readonly table: string;
  /** null: the table is gone (dropped, renamed away). */
  readonly definition: TableDefinition | null;
}

export type DdlEffect =
  | { readonly kind: 'unchanged'; readonly reason: string }
  | { readonly kind: 'changed'; readonly tables: readonly TableChange[]; readonly databases: ReadonlyArray<{ readonly name: string; readonly collation: string | null }> }
  | { readonly kind: 'unknown'; readonly reason: string; readonly tables: readonly string[] };

export function ddlEffect(state: SchemaState, sql: string, defaultDatabase: string, options: { readonly noBackslashEscapes?: boolean } = {}): DdlEffect {
  const parsed = parseDdl(sql, options);
  const work = new Working(state, defaultDatabase);
  try {
    return effectOf(work, parsed);
  } catch (e) {
    if (!(e instanceof UnreadableDdl)) throw e;
    return { kind: 'unknown', reason: e.message, tables: work.touched() };
  }
}

function effectOf(w: Working, p: ParsedDdl): DdlEffect {
  switch (p.kind) {
    case 'create-table': return createTable(w, p);
    case 'create-like': return createLike(w, p.table, p.source, p.ifNotExists, p.temporary);
    case 'alter-table': return alterTable(w, p.table, p.actions);
    case 'create-index': return alterTable(w, p.table, [{ kind: 'add-key', key: p.key }]);
    case 'drop-index': return alterTable(w, p.table, [{ kind: 'drop-key', name: p.name, ifExists: p.ifExists }]);
    case 'rename-tables': return renameTables(w, p.pairs);
    case 'drop-tables': return p.temporary ? unchanged('temporary tables are not tracked') : dropTables(w, p.tables);
    case 'truncate': return unchanged('TRUNCATE keeps the definition');
    case 'create-database': return createDatabase(w, p.name, p.charset, p.collation);
    case 'alter-database': return createDatabase(w, p.name ?? w.defaultDatabase, p.charset, p.collation);
    case 'drop-database': return dropDatabase(w, p.name);
    case 'no-table-change': return unchanged(`${p.label} changes no table definition`);
    case 'unreadable': return unreadable(w, p);
  }
}

function unchanged(reason: string): DdlEffect {
  return { kind: 'unchanged', reason };
}

function unreadable(w: Working, p: Extract<ParsedDdl, { kind: 'unreadable' }>): DdlEffect {
  const tables = p.tables.map((t) => w.resolve(t));
  if (tables.length > 0 && !tables.some((t) => w.isTracked(t))) return unchanged(`${p.label} names no tracked table`);
  return { kind: 'unknown', reason: `${p.label}: ${p.reason}`, tables: tables.map((t) => `${t.database}.${t.name}`) };
}

function createTable(w: Working, p: CreateTable): DdlEffect {
  const t = w.resolve(p.table);
  if (p.temporary || !w.isTracked(t)) return unchanged('the table is not tracked');
  if (w.get(t) && p.ifNotExists && !p.orReplace) return unchanged('CREATE TABLE IF NOT EXISTS of an existing table');
  if (p.select) {
    // A row-based binlog carries CREATE TABLE ... SELECT as the CREATE TABLE the server derived (test/schema-history.test.ts).
    throw new UnreadableDdl('CREATE TABLE ... SELECT takes columns from its query, which the statement does not describe (a binlog in ROW format never holds one)');
  }
  const dbCollation = w.databaseCollation(t.database);
  const collation = tableCollation(p.charset, p.collation, w.state.dialect) ?? dbCollation;
  w.put(t, buildDefinition({ database: t.database, name: t.name, collation }, p.columns, p.keys, p.foreignKeys, w.state.dialect));
  return w.result();
}

function createLike(w: Working, table: QualifiedName, source: QualifiedName, ifNotExists: boolean, temporary: boolean): DdlEffect {
  const t = w.resolve(table);
  if (temporary || !w.isTracked(t)) return unchanged('the table is not tracked');
  if (w.get(t) && ifNotExists) return unchanged('CREATE TABLE IF NOT EXISTS of an existing table');
  const s = w.resolve(source);
  const def = w.get(s);
  if (!def) throw new UnreadableDdl(`CREATE TABLE ... LIKE ${s.database}.${s.name}, a table the history does not know`);
  w.put(t, { ...def, database: t.database, name: t.name });
  return w.result();
}

function alterTable(w: Working, table: QualifiedName, actions: Parameters<typeof alterDefinition>[1]): DdlEffect {
  const t = w.resolve(table);
  const rename = [...actions].reverse().find((a) => a.kind === 'rename-table');
  const to = rename?.kind === 'rename-table' ? w.resolve(rename.to) : t;
  if (!w.isTracked(t)) {
    if (w.isTracked(to)) throw new UnreadableDdl(`renames ${t.database}.${t.name}, which the history does not track, to ${to.database}.${to.name}`);
    return unchanged('the table is not tracked');
  }
  const def = w.get(t);
  if (!def) throw new UnreadableDdl(`ALTER TABLE ${t.database}.${t.name}, a table the history does not know`);
  const altered = alterDefinition(def, actions, w.state.dialect);
  w.put(t, null);
  if (w.isTracked(to)) w.put(to, { ...altered, database: to.database, name: to.name });
  return w.result();
}

function renameTables(w: Working, pairs: ReadonlyArray<readonly [QualifiedName, QualifiedName]>): DdlEffect {
  for (const [a, b] of pairs) {
    const from = w.resolve(a);
    const to = w.resolve(b);
    if (!w.isTracked(from)) {
      if (w.isTracked(to)) throw new UnreadableDdl(`renames ${from.database}.${from.name}, which the history does not track, to ${to.database}.${to.name}`);
      continue;
    }
    const def = w.get(from);
    if (!def) throw new UnreadableDdl(`renames ${from.database}.${from.name}, a table the history does not know`);
    w.put(from, null);
    if (w.isTracked(to)) w.put(to, { ...def, database: to.database, name: to.name });
  }
  return w.result();
}

function dropTables(w: Working, tables: readonly QualifiedName[]): DdlEffect {
  for (const n of tables) {
    const t = w.resolve(n);
    if (w.isTracked(t) && w.get(t)) w.put(t, null);
  }
  return w.result();
}

function createDatabase(w: Working, name: string, charset: string | null, collation: string | null): DdlEffect {
  const db = w.dbName(name);
  if (!w.state.tracked.has(db)) return unchanged('the database is not tracked');
  const dialect = w.state.dialect;
  const chosen = tableCollation(charset, collation, dialect) ?? w.state.databases.get(db) ?? dialect.serverCollation;
  return { kind: 'changed', tables: [], databases: [{ name: db, collation: chosen }] };
}

function dropDatabase(w: Working, name: string): DdlEffect {
  const db = w.dbName(name);
  if (!w.state.tracked.has(db)) return unchanged('the database is not tracked');
  for (const def of w.state.tables.values()) if (def.database === db) w.put({ database: db, name: def.name }, null);
  return { kind: 'changed', tables: w.changed(), databases: [{ name: db, collation: null }] };
}

interface TableName {
  readonly database: string;
  readonly name: string;
}

/** The state as the statement changes it, step by step (RENAME TABLE a TO b, b TO c). */
class Working {
  private readonly changes = new Map<string, TableChange>();
  private readonly named = new Set<string>();

  constructor(
    readonly state: SchemaState,
    readonly defaultDatabase: string,
  ) {}

  dbName(db: string): string {
    return this.state.dialect.lowerCaseNames ? db.toLowerCase() : db;
  }

  resolve(n: QualifiedName): TableName {
    const name = this.state.dialect.lowerCaseNames ? n.name.toLowerCase() : n.name;
    const database = this.dbName(n.db ?? this.defaultDatabase);
    this.named.add(`${database}.${name}`);
    return { database, name };
  }

  isTracked(t: TableName): boolean {
    return this.state.tracked.has(t.database);
  }

  databaseCollation(db: string): string {
    return this.state.databases.get(db) ?? this.state.dialect.serverCollation;
  }

  get(t: TableName): TableDefinition | undefined {
    const k = tableKey(t.database, t.name);
    const changed = this.changes.get(k);
    return changed ? (changed.definition ?? undefined) : this.state.tables.get(k);
  }

  put(t: TableName, definition: TableDefinition | null): void {
    this.changes.set(tableKey(t.database, t.name), { database: t.database, table: t.name, definition });
  }

  /** The tables the statement named, "db.table". */
  touched(): string[] {
    return [...this.named];
  }

  changed(): TableChange[] {
    return [...this.changes.values()];
  }

  result(): DdlEffect {
    if (this.changes.size === 0) return unchanged('no tracked table changes');
    return { kind: 'changed', tables: this.changed(), databases: [] };
  }
}
