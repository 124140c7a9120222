/**
 * A table definition changed by ALTER TABLE actions (and CREATE/DROP INDEX), the way the server
 * changes it: columns placed FIRST/AFTER, key columns following renames and drops, unnamed keys named
 * after their first column, primary key columns made NOT NULL, keys kept in the server's order.
 * An action the definition cannot take (a column it does not have) means the history has lost track
 * of the table: UnreadableDdl, never a guess.
 */
import { convertedType, deriveColumn, maxLen } from './column-derivation.ts';
import { keysOfColumn } from './column-keys.ts';
import { UnreadableDdl } from './ddl-cursor.ts';
import type { AlterAction, ColumnPosition, ColumnSpec, KeySpec } from './parsed-ddl.ts';
import { normalizeCharset, normalizeCollation, type ServerDialect } from './server-dialect.ts';
import { columnIndex, findKey, PRIMARY, sameName, type ColumnDefinition, type KeyDefinition, type TableDefinition } from './table-definition.ts';

interface Draft {
  collation: string | null;
  columns: ColumnDefinition[];
  keys: KeyDefinition[];
}

export function alterDefinition(def: TableDefinition, actions: readonly AlterAction[], dialect: ServerDialect): TableDefinition {
  const d: Draft = { collation: def.collation, columns: [...def.columns], keys: [...def.keys] };
  for (const a of actions) applyAction(d, a, dialect);
  return finish(def, d);
}

/** A new table's definition from its declared columns and keys. */
export function buildDefinition(
  table: { database: string; name: string; collation: string | null },
  columns: readonly ColumnSpec[],
  keys: readonly KeySpec[],
  foreignKeys: ReadonlyArray<{ readonly name: string | null; readonly columns: readonly string[] }>,
  dialect: ServerDialect,
): TableDefinition {
  const d: Draft = { collation: table.collation, columns: [], keys: [] };
  for (const spec of columns) d.columns.push(deriveColumn(spec, d.collation, dialect).column);
  for (const key of keys) addKey(d, key);
  for (const fk of foreignKeys) addForeignKeyIndex(d, fk.name, fk.columns);
  return finish({ database: table.database, name: table.name }, d);
}

function applyAction(d: Draft, a: AlterAction, dialect: ServerDialect): void {
  switch (a.kind) {
    case 'add-column': return addColumn(d, a.column, a.position, a.ifNotExists, dialect);
    case 'change-column': return changeColumn(d, a.from, a.column, a.position, a.ifExists, dialect);
    case 'drop-column': return dropColumn(d, a.name, a.ifExists);
    case 'rename-column': return renameColumn(d, a.from, a.to);
    case 'add-key': return addKey(d, a.key);
    case 'add-foreign-key': return addForeignKeyIndex(d, a.name, a.columns);
    case 'drop-key': return dropKey(d, a.name, a.ifExists);
    case 'drop-constraint': return void (d.keys = d.keys.filter((k) => !(k.unique && sameName(k.name, a.name))));
    case 'rename-key': return renameKey(d, a.from, a.to);
    case 'convert-charset': return convertCharset(d, a.charset, a.collation, dialect);
    case 'default-charset': return void (d.collation = tableCollation(a.charset, a.collation, dialect) ?? d.collation);
    case 'rename-table': return; // the caller moves the definition
  }
}

function addColumn(d: Draft, spec: ColumnSpec, position: ColumnPosition, ifNotExists: boolean, dialect: ServerDialect): void {
  if (columnIndex(draftTable(d), spec.name) >= 0) {
    if (ifNotExists) return;
    throw new UnreadableDdl(`column ${spec.name} already exists`);
  }
  const derived = deriveColumn(spec, d.collation, dialect);
  d.columns.splice(insertAt(d, position, d.columns.length), 0, derived.column);
  for (const key of keysOfColumn(spec.name, derived)) addKey(d, key);
}

function changeColumn(d: Draft, from: string, spec: ColumnSpec, position: ColumnPosition, ifExists: boolean, dialect: ServerDialect): void {
  const i = columnIndex(draftTable(d), from);
  if (i < 0) {
    if (ifExists) return;
    throw new UnreadableDdl(`column ${from} is not in the table's definition`);
  }
  const old = d.columns[i]!;
  const derived = deriveColumn(spec, d.collation, dialect);
  d.columns.splice(i, 1);
  d.columns.splice(insertAt(d, position, i), 0, derived.column);
  if (old.name !== spec.name) renameInKeys(d, old.name, spec.name);
  for (const key of keysOfColumn(spec.name, derived)) addKey(d, key);
}

function insertAt(d: Draft, position: ColumnPosition, otherwise: number): number {
  if (position === null) return otherwise;
  if ('first' in position) return 0;
  const i = columnIndex(draftTable(d), position.after);
  if (i < 0) throw new UnreadableDdl(`AFTER ${position.after}: no such column`);
  return i + 1;
}

function dropColumn(d: Draft, name: string, ifExists: boolean): void {
  const i = columnIndex(draftTable(d), name);
  if (i < 0) {
    if (ifExists) return;
    throw new UnreadableDdl(`column ${name} is not in the table's definition`);
  }
  d.columns.splice(i, 1);
  d.keys = d.keys
    .map((k) => ({ ...k, columns: k.columns.filter((c) => !sameName(c.name, name)) }))
    .filter((k) => k.columns.length > 0);
}

function renameColumn(d: Draft, from: string, to: string): void {
  const i = columnIndex(draftTable(d), from);
  if (i < 0) throw new UnreadableDdl(`column ${from} is not in the table's definition`);
  d.columns[i] = { ...d.columns[i]!, name: to };
  renameInKeys(d, from, to);
}

function renameInKeys(d: Draft, from: string, to: string): void {
  d.keys = d.keys.map((k) => ({ ...k, columns: k.columns.map((c) => (sameName(c.name, from) ? { ...c, name: to } : c)) }));
}

function addKey(d: Draft, key: KeySpec): void {
  if (key.name !== null && findKey(draftTable(d), key.name)) {
    if (key.ifNotExists) return;
    throw new UnreadableDdl(`key ${key.name} already exists`);
  }
  for (const part of key.columns) if (columnIndex(draftTable(d), part.name) < 0) throw new UnreadableDdl(`key column ${part.name} is not in the table's definition`);
  const name = key.primary ? PRIMARY : (key.name ?? freeKeyName(d, key.columns[0]!.name));
  d.keys.push({ name, unique: key.unique, fulltext: key.fulltext, columns: key.columns.map((p) => ({ name: d.columns[columnIndex(draftTable(d), p.name)]!.name, subPart: p.subPart })) });
}

/** A FOREIGN KEY gets an index of its own unless one already starts with its columns. */
function addForeignKeyIndex(d: Draft, name: string | null, columns: readonly string[]): void {
  const covered = d.keys.some((k) => columns.every((c, i) => k.columns[i] !== undefined && sameName(k.columns[i]!.name, c) && k.columns[i]!.subPart === null));
  if (covered) return;
  addKey(d, { name: name ?? freeKeyName(d, columns[0]!), primary: false, unique: false, fulltext: false, columns: columns.map((c) => ({ name: c, subPart: null })), ifNotExists: false });
}

/** An unnamed key is named after its first column: `b`, else `b_2`, `b_3`, ... */
function freeKeyName(d: Draft, column: string): string {
  const taken = (n: string) => d.keys.some((k) => sameName(k.name, n)) || sameName(n, PRIMARY);
  if (!taken(column)) return column;
  for (let i = 2; ; i++) if (!taken(`${column}_${i}`)) return `${column}_${i}`;
}

function dropKey(d: Draft, name: string, ifExists: boolean): void {
  if (!findKey(draftTable(d), name)) {
    if (ifExists) return;
    throw new UnreadableDdl(`key ${name} is not in the table's definition`);
  }
  d.keys = d.keys.filter((k) => !sameName(k.name, name));
}

function renameKey(d: Draft, from: string, to: string): void {
  if (!findKey(draftTable(d), from)) throw new UnreadableDdl(`key ${from} is not in the table's definition`);
  d.keys = d.keys.map((k) => (sameName(k.name, from) ? { ...k, name: to } : k));
}

function convertCharset(d: Draft, charsetName: string, collationName: string | null, dialect: ServerDialect): void {
  const collation = tableCollation(charsetName, collationName, dialect)!;
  const charset = normalizeCharset(dialect, charsetName);
  d.collation = collation;
  d.columns = d.columns.map((c) => {
    if (c.charset === null || c.charset === 'binary') return c;
    return { ...c, ...convertedType(c, maxLen(dialect, c.charset), maxLen(dialect, charset)), charset, collation };
  });
}

/** The collation a table default `CHARACTER SET x [COLLATE y]` names; null when neither is given. */
export function tableCollation(charset: string | null, collation: string | null, dialect: ServerDialect): string | null {
  if (collation !== null) return normalizeCollation(dialect, collation);
  if (charset === null) return null;
  const c = normalizeCharset(dialect, charset);
  const facts = dialect.charsets[c];
  if (!facts) throw new UnreadableDdl(`character set ${charset} is not known to the server`);
  return facts.defaultCollation;
}

function draftTable(d: Draft): TableDefinition {
  return { database: '', name: '', collation: d.collation, columns: d.columns, keys: d.keys };
}

/** Primary key columns NOT NULL, keys in the server's order. */
function finish(table: { database: string; name: string }, d: Draft): TableDefinition {
  const pk = d.keys.find((k) => k.name === PRIMARY);
  const columns = pk ? d.columns.map((c) => (pk.columns.some((p) => sameName(p.name, c.name)) ? { ...c, nullable: false } : c)) : d.columns;
  return { database: table.database, name: table.name, collation: d.collation, columns, keys: serverKeyOrder(d.keys, columns) };
}

/**
 * The server keeps keys sorted: unique keys first (over NOT NULL columns before the others, PRIMARY
 * first among those, whole columns before prefixes), then the others, FULLTEXT last; otherwise in the
 * order they were defined.
 */
export function serverKeyOrder(keys: readonly KeyDefinition[], columns: readonly ColumnDefinition[]): KeyDefinition[] {
  const nullable = (k: KeyDefinition) => k.columns.some((p) => columns.find((c) => sameName(c.name, p.name))?.nullable ?? false);
  const rank = (k: KeyDefinition): number[] =>
    k.unique
      ? [0, nullable(k) ? 1 : 0, k.name === PRIMARY ? 0 : 1, k.columns.some((p) => p.subPart !== null) ? 1 : 0]
      : [1, k.fulltext ? 1 : 0, 0, 0];
  return keys
    .map((k, i) => ({ k, r: [...rank(k), i] }))
    .sort((a, b) => {
      const j = a.r.findIndex((x, n) => x !== b.r[n]);
      return j < 0 ? 0 : a.r[j]! - b.r[j]!;
    })
    .map((e) => e.k);
}
