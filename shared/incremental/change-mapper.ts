/**
 * Turns decoded binlog row events into the destination's row changes: only selected tables, only the
 * task's DML types, WHERE filters with the product's semantics, renamed tables and columns, column
 * subsets, generated columns left to the destination.
 *
 * Filter semantics (reference product): the filter is evaluated on the row images. An UPDATE whose
 * before-image passes and after-image does not moves the row out of the filter and becomes a DELETE;
 * the opposite moves it in and becomes an INSERT. The operations filter applies to the source
 * statement's type (not syncing deletes ignores source DELETEs, not rows leaving a filter).
 */
import type { CellValue, Row, RowChange } from '../change/change-event.ts';
import { isBytes, isExactNumber } from '../change/change-event.ts';
import type { BinlogPosition } from '../change/position.ts';
import { evaluateWhere } from '../filter/where-filter.ts';
import { applyCapitalization, type DatabaseMapping, type TableMapping } from '../task/object-mapper.ts';
import type { Capitalization } from '../task/task.ts';

export interface RowsEvent {
  readonly pos: BinlogPosition;
  readonly ts: number;
  readonly database: string;
  readonly table: string;
  readonly op: 'insert' | 'update' | 'delete';
  readonly rows: ReadonlyArray<{ readonly before?: Record<string, CellValue>; readonly after?: Record<string, CellValue> }>;
}

interface TableRoute {
  readonly mapping: TableMapping;
  /** Source column name → destination name; absent columns are not synchronized. */
  readonly columns: ReadonlyMap<string, string> | undefined;
  readonly generated: ReadonlySet<string>;
  readonly key: readonly string[];
}

export class ChangeMapper {
  private readonly routes = new Map<string, TableRoute>();
  private readonly wholeDatabases = new Map<string, DatabaseMapping>();

  constructor(private readonly capitalization: Capitalization, dbs: readonly DatabaseMapping[]) {
    for (const d of dbs) {
      if (d.whole) this.wholeDatabases.set(d.source.name, d);
      for (const t of d.tables) this.addTable(t);
    }
  }

  /** Whether changes of `database.table` are synchronized (tables created later in a whole database are, once known). */
  route(database: string, table: string): TableRoute | undefined {
    return this.routes.get(`${database}.${table}`);
  }

  isWholeDatabase(database: string): boolean {
    return this.wholeDatabases.has(database);
  }

  /** Learns (or relearns, after a DDL) how a table is mapped. */
  addTable(t: TableMapping): void {
    const explicit = t.columns.length !== t.source.columns.length || t.columns.some((c) => c.target !== applyCapitalization(c.source.name, this.capitalization));
    this.routes.set(`${t.source.database}.${t.source.name}`, {
      mapping: t,
      // Without an explicit selection every column follows, also ones added by a later DDL.
      columns: explicit ? new Map(t.columns.map((c) => [c.source.name, c.target])) : undefined,
      generated: new Set(t.columns.filter((c) => c.source.generated).map((c) => c.source.name)),
      key: t.key.map((k) => t.columns.find((c) => c.source.name === k)?.target ?? applyCapitalization(k, this.capitalization)),
    });
  }

  forgetTable(database: string, table: string): void {
    this.routes.delete(`${database}.${table}`);
  }

  map(e: RowsEvent): RowChange[] {
    const route = this.route(e.database, e.table);
    if (!route || !route.mapping.operations.has(e.op)) return [];
    const { mapping } = route;
    const table = mapping.target;
    const out: RowChange[] = [];
    e.rows.forEach((r, i) => {
      // Row index doubled: the insert half of a key change takes the odd position after its delete,
      // so both halves stay distinct (and ordered) even when a batch boundary falls between them.
      const pos = { file: e.pos.file, offset: e.pos.offset, row: (e.pos.row + i) * 2 };
      const base = { kind: 'row' as const, pos, ts: e.ts, table, key: route.key };
      const passes = (img: Record<string, CellValue> | undefined) => img !== undefined && (!mapping.where || evaluateWhere(mapping.where, filterRow(img)) === true);
      const before = e.op === 'insert' ? false : passes(r.before);
      const after = e.op === 'delete' ? false : passes(r.after);
      if (e.op === 'insert' && after) out.push({ ...base, op: 'insert', after: this.project(route, r.after!) });
      else if (e.op === 'delete' && before) out.push({ ...base, op: 'delete', before: this.project(route, r.before!) });
      else if (e.op === 'update') {
        if (before && after) {
          const [b, a] = [this.project(route, r.before!), this.project(route, r.after!)];
          // A key change is a delete of the old row and an insert of the new one: the two keys may
          // hash to different buckets, and each half must be ordered with its own row's changes.
          if (route.key.some((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))) out.push({ ...base, op: 'delete', before: b }, { ...base, pos: { ...pos, row: pos.row + 1 }, op: 'insert', after: a });
          else out.push({ ...base, op: 'update', before: b, after: a });
        }
        else if (before) out.push({ ...base, op: 'delete', before: this.project(route, r.before!) });
        else if (after) out.push({ ...base, op: 'insert', after: this.project(route, r.after!) });
      }
    });
    return out;
  }

  private project(route: TableRoute, img: Record<string, CellValue>): Row {
    const out: Record<string, CellValue> = {};
    for (const [name, value] of Object.entries(img)) {
      if (route.generated.has(name)) continue;
      const target = route.columns ? route.columns.get(name) : applyCapitalization(name, this.capitalization);
      if (target !== undefined) out[target] = value;
    }
    return out;
  }
}

/** Row values as the filter evaluator takes them: exact numbers as text, bytes as Buffers. */
function filterRow(img: Record<string, CellValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(img)) {
    out[k] = isExactNumber(v) ? v.n : isBytes(v) ? Buffer.from(v.b, 'base64') : v;
  }
  return out;
}
