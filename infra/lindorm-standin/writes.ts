/**
 * UPSERT/INSERT and DELETE (doc-detail/216804, developer-reference/the-delete). A write names every key column,
 * at most 2,000 rows and 64 MB, each row's key at most 2 KB and its other values at most 2 MB
 * (quotas-and-limits); the whole statement is checked before any row is written, then rows are written one by
 * one (Lindorm has single-row atomicity only). An existing row keeps the columns a write does not name.
 * DELETE takes `=` on every key column and succeeds whether or not the row exists.
 */
import { toValue, valueBytes, type Value } from './column-types.ts';
import { errors } from './errors.ts';
import type { LindormLimits } from './limits.ts';
import type { StatementResult } from './result.ts';
import type { Literal, Statement } from './sql-ast.ts';
import type { LindormStore, Table } from './table-store.ts';
import { fullKeyEquality } from './where.ts';

type Of<K extends Statement['kind']> = Extract<Statement, { kind: K }>;

export interface WriteHooks {
  /** Called before row `index` (0-based) of an UPSERT is written; may throw to stop the statement there. */
  beforeRow(index: number): void;
  /** Called after a row was written or deleted. */
  rowDone(kind: 'upsert' | 'delete'): void;
}

export class Writes {
  constructor(
    private readonly store: LindormStore,
    private readonly limits: LindormLimits,
    private readonly hooks: WriteHooks,
  ) {}

  upsert(s: Of<'upsert'>, namespace: string, timeZone: string): StatementResult {
    const table = this.store.table(namespace, s.table.name);
    this.checkColumns(table, s.columns);
    if (s.rows.length > this.limits.rowsPerWrite) throw errors.tooManyRows(s.rows.length, this.limits.rowsPerWrite);
    let bytes = 0;
    const rows = s.rows.map((literals) => {
      const { values, size } = this.row(table, s.columns, literals, timeZone);
      bytes += size;
      return values;
    });
    if (bytes > this.limits.writeBytes) throw errors.writeTooLarge(bytes, this.limits.writeBytes);
    rows.forEach((values, i) => {
      this.hooks.beforeRow(i);
      this.store.upsert(table, values);
      this.hooks.rowDone('upsert');
    });
    return { kind: 'ok', affectedRows: rows.length };
  }

  delete(s: Of<'delete'>, namespace: string, timeZone: string): StatementResult {
    const table = this.store.table(namespace, s.table.name);
    const key = fullKeyEquality(table, s.where, timeZone);
    if (!key) throw errors.deleteNeedsFullKey(s.table.name);
    this.store.delete(table, table.keyOf(key));
    this.hooks.rowDone('delete');
    // Lindorm writes a delete marker without reading the row, so it cannot tell whether one was there.
    return { kind: 'ok', affectedRows: 1 };
  }

  private checkColumns(table: Table, columns: readonly string[]): void {
    const seen = new Set<string>();
    for (const c of columns) {
      if (!table.column(c)) throw errors.unknownColumn(c, table.definition.name);
      if (seen.has(c)) throw errors.duplicateColumn(c);
      seen.add(c);
    }
    for (const k of table.definition.primaryKey) if (!seen.has(k.column)) throw errors.missingKeyColumn(k.column);
  }

  /** One row's values, checked, and its size in bytes. */
  private row(table: Table, columns: readonly string[], literals: readonly Literal[], timeZone: string): { values: Map<string, Value>; size: number } {
    if (literals.length !== columns.length) throw errors.columnsAndValuesDiffer();
    const values = new Map<string, Value>();
    let valueSize = 0;
    columns.forEach((name, i) => {
      const column = table.column(name)!;
      const v = toValue(name, column.type, literals[i]!, timeZone);
      const isKey = table.definition.primaryKey.some((k) => k.column === name);
      if (v === null && isKey) throw errors.keyColumnNotNull(name);
      if (v === null && column.notNull) throw errors.nullNotAllowed(name);
      if (!isKey) valueSize += valueBytes(column.type, v);
      values.set(name, v);
    });
    const keySize = Buffer.from(table.keyOf(values), 'hex').length;
    if (keySize > this.limits.keyBytes) throw errors.keyTooLong(keySize, this.limits.keyBytes);
    if (valueSize > this.limits.rowValueBytes) throw errors.rowTooLarge(valueSize, this.limits.rowValueBytes);
    return { values, size: keySize + valueSize };
  }
}
