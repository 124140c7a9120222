/**
 * A table's definition as far as decoding its binlog rows needs it: the columns in order with their
 * types, character sets and nullability, and its indexes (the primary and unique keys identify rows).
 * Built from the catalog (information_schema) or derived from DDL (ddl-effects.ts); plain data, so a
 * history of them serializes to JSON as it is.
 */
import type { TableInfo } from '../mysql/catalog.ts';

export interface ColumnDefinition {
  readonly name: string;
  /** Lower-case base type as information_schema.COLUMNS.DATA_TYPE shows it: `int`, `varchar`, `enum`. */
  readonly dataType: string;
  /** Full type as COLUMN_TYPE shows it: `int(10) unsigned`, `decimal(12,2)`, `enum('a','b')`. */
  readonly columnType: string;
  readonly unsigned: boolean;
  readonly charset: string | null;
  readonly collation: string | null;
  /** ENUM and SET members in order; null for other types. */
  readonly values: readonly string[] | null;
  readonly nullable: boolean;
}

export interface KeyPart {
  readonly name: string;
  /** Prefix length of `col(10)`, else null. */
  readonly subPart: number | null;
}

/** An index; the primary key is named PRIMARY. */
export interface KeyDefinition {
  readonly name: string;
  readonly unique: boolean;
  readonly fulltext: boolean;
  readonly columns: readonly KeyPart[];
}

export interface TableDefinition {
  readonly database: string;
  readonly name: string;
  /** The table's default collation: character columns declared without one take it. */
  readonly collation: string | null;
  readonly columns: readonly ColumnDefinition[];
  readonly keys: readonly KeyDefinition[];
}

export const PRIMARY = 'PRIMARY';

export function definitionFromCatalog(info: TableInfo): TableDefinition {
  return {
    database: info.database,
    name: info.name,
    collation: info.collation,
    columns: [...info.columns]
      .sort((a, b) => a.ordinal - b.ordinal)
      .map((c) => ({
        name: c.name,
        dataType: c.dataType,
        columnType: c.columnType,
        unsigned: /\bunsigned\b/i.test(c.columnType),
        charset: c.charset,
        collation: c.collation,
        values: c.dataType === 'enum' || c.dataType === 'set' ? memberList(c.columnType) : null,
        nullable: c.nullable,
      })),
    keys: info.indexes.map((i) => ({
      name: i.name,
      unique: i.unique,
      fulltext: i.kind === 'FULLTEXT',
      // MariaDB reports SUB_PART 32 for every SPATIAL key part: the size of a bounding box, not a declared prefix.
      columns: i.columns.map((k) => ({ name: k.name, subPart: i.kind === 'SPATIAL' ? null : k.subPart })),
    })),
  };
}

/** The members of `enum('a','b''c')` as written in COLUMN_TYPE (a quote inside is doubled, a backslash too). */
export function memberList(columnType: string): string[] {
  const body = columnType.slice(columnType.indexOf('(') + 1, columnType.lastIndexOf(')'));
  const out: string[] = [];
  for (const m of body.matchAll(/'((?:[^'\\]|''|\\.)*)'/g)) out.push(m[1]!.replace(/''|\\(.)/g, (_, c: string | undefined) => c ?? "'"));
  return out;
}

/** Column and index names compare without regard to case. */
export function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function columnIndex(def: TableDefinition, name: string): number {
  return def.columns.findIndex((c) => sameName(c.name, name));
}

export function findKey(def: TableDefinition, name: string): KeyDefinition | undefined {
  return def.keys.find((k) => sameName(k.name, name));
}

/** The PRIMARY KEY, else the first UNIQUE key over whole NOT NULL columns (as the catalog chooses); empty when neither. */
export function identifyingKey(def: TableDefinition): string[] {
  const pk = def.keys.find((k) => k.name === PRIMARY);
  if (pk) return pk.columns.map((c) => c.name);
  const notNull = new Set(def.columns.filter((c) => !c.nullable).map((c) => c.name.toLowerCase()));
  const uk = def.keys.find((k) => k.unique && k.columns.every((c) => c.subPart === null && notNull.has(c.name.toLowerCase())));
  return uk ? uk.columns.map((c) => c.name) : [];
}

export function tableKey(database: string, table: string): string {
  return `${database}\0${table}`;
}

export function formatTable(def: { readonly database: string; readonly name: string }): string {
  return `${def.database}.${def.name}`;
}
