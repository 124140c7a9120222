/**
 * DDL statements as the schema history reads them: only what changes a table's columns, keys or
 * default character set is kept; everything else a statement says is read past.
 */
import type { QualifiedName } from './ddl-cursor.ts';
import type { KeyPart } from './table-definition.ts';

/** A column's type and attributes as the statement declares them. */
export interface ColumnSpec {
  readonly name: string;
  /** Lower-case type name after aliases: `int`, `double`, `varchar`, `serial`, `json`. */
  readonly type: string;
  /** The numbers in `(...)` after the type. */
  readonly args: readonly number[];
  /** ENUM/SET members. */
  readonly values: readonly string[] | null;
  readonly unsigned: boolean;
  readonly zerofill: boolean;
  readonly charset: string | null;
  readonly collation: string | null;
  /** The BINARY attribute of a character type (its charset's _bin collation). */
  readonly binaryCollation: boolean;
  /** `NULL` → true, `NOT NULL` → false, neither → null. */
  readonly nullable: boolean | null;
  readonly primaryKey: boolean;
  readonly unique: boolean;
}

export interface KeySpec {
  /** null when unnamed (the server names it); PRIMARY keys are always named PRIMARY. */
  readonly name: string | null;
  readonly primary: boolean;
  readonly unique: boolean;
  readonly fulltext: boolean;
  readonly columns: readonly KeyPart[];
  readonly ifNotExists: boolean;
}

export type ColumnPosition = { readonly first: true } | { readonly after: string } | null;

export type AlterAction =
  | { readonly kind: 'add-column'; readonly column: ColumnSpec; readonly position: ColumnPosition; readonly ifNotExists: boolean }
  | { readonly kind: 'change-column'; readonly from: string; readonly column: ColumnSpec; readonly position: ColumnPosition; readonly ifExists: boolean }
  | { readonly kind: 'drop-column'; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'rename-column'; readonly from: string; readonly to: string }
  | { readonly kind: 'add-key'; readonly key: KeySpec }
  | { readonly kind: 'add-foreign-key'; readonly name: string | null; readonly columns: readonly string[] }
  | { readonly kind: 'drop-key'; readonly name: string; readonly ifExists: boolean }
  /** DROP CONSTRAINT: a unique key of that name, or else a CHECK or FOREIGN KEY (no change). */
  | { readonly kind: 'drop-constraint'; readonly name: string }
  | { readonly kind: 'rename-key'; readonly from: string; readonly to: string }
  | { readonly kind: 'convert-charset'; readonly charset: string; readonly collation: string | null }
  | { readonly kind: 'default-charset'; readonly charset: string | null; readonly collation: string | null }
  | { readonly kind: 'rename-table'; readonly to: QualifiedName };

export interface CreateTable {
  readonly kind: 'create-table';
  readonly table: QualifiedName;
  readonly ifNotExists: boolean;
  readonly orReplace: boolean;
  readonly temporary: boolean;
  readonly columns: readonly ColumnSpec[];
  readonly keys: readonly KeySpec[];
  readonly foreignKeys: ReadonlyArray<{ readonly name: string | null; readonly columns: readonly string[] }>;
  readonly charset: string | null;
  readonly collation: string | null;
  /** `... [AS] SELECT`: more columns come from a query the statement does not describe. */
  readonly select: boolean;
}

export type ParsedDdl =
  | CreateTable
  | { readonly kind: 'create-like'; readonly table: QualifiedName; readonly source: QualifiedName; readonly ifNotExists: boolean; readonly orReplace: boolean; readonly temporary: boolean }
  | { readonly kind: 'alter-table'; readonly table: QualifiedName; readonly actions: readonly AlterAction[] }
  | { readonly kind: 'rename-tables'; readonly pairs: ReadonlyArray<readonly [QualifiedName, QualifiedName]> }
  | { readonly kind: 'drop-tables'; readonly tables: readonly QualifiedName[]; readonly temporary: boolean }
  | { readonly kind: 'truncate'; readonly table: QualifiedName }
  | { readonly kind: 'create-index'; readonly table: QualifiedName; readonly key: KeySpec; readonly orReplace: boolean }
  | { readonly kind: 'drop-index'; readonly table: QualifiedName; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'create-database'; readonly name: string; readonly charset: string | null; readonly collation: string | null; readonly ifNotExists: boolean; readonly orReplace: boolean }
  | { readonly kind: 'alter-database'; readonly name: string | null; readonly charset: string | null; readonly collation: string | null }
  | { readonly kind: 'drop-database'; readonly name: string }
  /** A statement that never changes a table's definition (DML, views, routines, users, ...). */
  | { readonly kind: 'no-table-change'; readonly label: string }
  /** A statement on tables that could not be read; `tables` are those named before reading stopped. */
  | { readonly kind: 'unreadable'; readonly label: string; readonly reason: string; readonly tables: readonly QualifiedName[] };
