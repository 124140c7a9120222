/** What a statement answers: an OK with its affected rows, or a result set. */
import type { ColumnType } from './column-types.ts';

export interface ResultColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly namespace?: string;
  readonly table?: string;
  /** The column's name in the table, when it is one. */
  readonly orgName?: string;
}

export type WireCell = string | Buffer | null;

export type StatementResult =
  | { readonly kind: 'ok'; readonly affectedRows: number }
  | { readonly kind: 'rows'; readonly columns: readonly ResultColumn[]; readonly rows: readonly (readonly WireCell[])[] };

export const OK_NONE: StatementResult = { kind: 'ok', affectedRows: 0 };
export const TEXT: ColumnType = { name: 'VARCHAR' };
export const COUNT: ColumnType = { name: 'BIGINT' };

export function textResult(names: readonly string[], rows: readonly (readonly WireCell[])[]): StatementResult {
  return { kind: 'rows', columns: names.map((name) => ({ name, type: TEXT })), rows };
}
