/** The statements the parser produces (sql-parser.ts) and the executor runs (executor.ts). */

export type Literal =
  | { readonly type: 'null' }
  | { readonly type: 'bool'; readonly value: boolean }
  /** `text` as written, with a leading '-' for a negative number. */
  | { readonly type: 'number'; readonly text: string }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'hex'; readonly bytes: Buffer };

export interface TableRef {
  readonly namespace?: string;
  readonly name: string;
}

export interface TypeSpec {
  /** Upper-case type name as written (INT and INTEGER kept apart until checked). */
  readonly name: string;
  readonly args: readonly number[];
}

export interface ColumnDef {
  readonly name: string;
  readonly type: TypeSpec;
  readonly notNull: boolean;
}

export interface KeyPart {
  readonly column: string;
  readonly descending: boolean;
}

export type Comparison = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { readonly op: 'and' | 'or'; readonly args: readonly Condition[] }
  | { readonly op: 'compare'; readonly comparison: Comparison; readonly column: string; readonly value: Literal }
  | { readonly op: 'in'; readonly column: string; readonly values: readonly Literal[]; readonly not: boolean }
  | { readonly op: 'isNull'; readonly column: string; readonly not: boolean }
  | { readonly op: 'like'; readonly column: string; readonly pattern: string; readonly not: boolean };

export type SelectItem =
  | { readonly kind: 'star' }
  | { readonly kind: 'column'; readonly name: string; readonly alias?: string }
  | { readonly kind: 'count'; readonly alias?: string }
  | { readonly kind: 'variable'; readonly name: string; readonly alias?: string }
  | { readonly kind: 'literal'; readonly value: Literal; readonly alias?: string }
  | { readonly kind: 'function'; readonly name: 'DATABASE' | 'VERSION' | 'CONNECTION_ID' | 'USER'; readonly alias?: string };

export interface OrderItem {
  readonly column: string;
  readonly descending: boolean;
}

export type Statement =
  | {
      readonly kind: 'createTable';
      readonly ifNotExists: boolean;
      readonly table: TableRef;
      readonly columns: readonly ColumnDef[];
      readonly primaryKey: readonly KeyPart[];
      readonly options: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'alterTableAdd'; readonly table: TableRef; readonly columns: readonly ColumnDef[] }
  | { readonly kind: 'dropTable'; readonly ifExists: boolean; readonly table: TableRef }
  | { readonly kind: 'createDatabase'; readonly ifNotExists: boolean; readonly name: string }
  | { readonly kind: 'dropDatabase'; readonly ifExists: boolean; readonly name: string }
  | { readonly kind: 'upsert'; readonly table: TableRef; readonly columns: readonly string[]; readonly rows: readonly (readonly Literal[])[] }
  | { readonly kind: 'delete'; readonly table: TableRef; readonly where?: Condition }
  | {
      readonly kind: 'select';
      readonly hints: readonly string[];
      readonly items: readonly SelectItem[];
      readonly from?: TableRef;
      readonly where?: Condition;
      readonly orderBy: readonly OrderItem[];
      readonly limit?: number;
      readonly offset?: number;
      readonly allowFiltering: boolean;
    }
  | { readonly kind: 'showDatabases' }
  | { readonly kind: 'showTables'; readonly namespace?: string; readonly like?: string }
  | { readonly kind: 'describe'; readonly table: TableRef }
  | { readonly kind: 'showCreateTable'; readonly table: TableRef }
  | { readonly kind: 'use'; readonly namespace: string }
  | { readonly kind: 'set'; readonly name: string; readonly value: Literal };

export type StatementKind = Statement['kind'];
